# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# The bundled real set sketret/assets/sbir-mini (10 classes: 6 seen, 4
# unseen; 552 sketches, 186 photos, 23 distractors). No download needed: the
# dataset finds its data through the installed package. For demos and tests,
# not for reporting benchmark numbers. The test gallery has only 97 photos,
# so P@10 replaces the P@100 of the big benchmarks (choice of sketret).
dataset_type = 'SBIRMini'

# Sketches: grey -> 3 channels, black on white; photos: RGB (channel order
# RGB, so the data preprocessor keeps to_rgb=False). Stroke width, affine
# (sketch-only) and flip augmentations: defaults chosen by sketret.
train_pipeline = [
    dict(type='LoadSBIRImage'),
    dict(type='StrokeWidth', radius_range=(-1, 2), prob=0.5),
    dict(type='RandomSketchAffine', prob=0.5),
    dict(type='mmcv.Resize', scale=(224, 224), keep_ratio=False),
    dict(type='mmcv.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackSBIRInputs'),
]
test_pipeline = [
    dict(type='LoadSBIRImage'),
    dict(type='mmcv.Resize', scale=(224, 224), keep_ratio=False),
    dict(type='PackSBIRInputs'),
]

# Training: class-balanced batches of 4 classes x (4 sketches +
# 4 photos) = 32 images; the batch sampler checks that batch_size
# matches the sampler. 'auto' loader settings (resolved when the Runner is
# built): on the CPU 0 workers (on the small bundled images as fast as or
# faster than 2 workers on a 2-core CPU, benchmarks/data_throughput.py) and
# no pinned memory; with a GPU up to 4 persistent workers and pinned batches
# copied without blocking.
train_dataloader = dict(
    batch_size=32,
    num_workers='auto',
    persistent_workers='auto',
    pin_memory='auto',
    sampler=dict(
        type='ClassBalancedPairSampler',
        classes_per_batch=4,
        sketches_per_class=4,
        photos_per_class=4),
    batch_sampler=dict(type='ClassBalancedPairBatchSampler'),
    dataset=dict(
        type=dataset_type,
        subset='train',
        modality='both',
        # an unreadable file is replaced by another sample of its class and
        # modality, with a warning; default_hooks.corrupt_files counts them
        # and stops the run above 1 % of an epoch
        on_corrupt='skip',
        pipeline=train_pipeline))
# Validation: held-out samples of the SEEN classes (model selection).
val_dataloader = dict(
    batch_size=32,
    num_workers='auto',
    persistent_workers='auto',
    pin_memory='auto',
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        subset='val',
        modality='both',
        # an unreadable file stops evaluation naming it; 'skip' leaves such
        # files out (checked before the run) and lists them
        on_corrupt='error',
        pipeline=test_pipeline))
# Test: the unseen classes (set generalized=True for GZS-SBIR).
test_dataloader = dict(
    batch_size=32,
    num_workers='auto',
    persistent_workers='auto',
    pin_memory='auto',
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        subset='test',
        modality='both',
        generalized=False,
        # as for val; tools/test.py reports skipped files with the metrics
        on_corrupt='error',
        pipeline=test_pipeline))

# A list: mmengine reads a dict with a 'metrics' key as an Evaluator.
val_evaluator = [
    dict(
        type='SBIRRetrievalMetric',
        metrics=['mAP@all', 'P@10'],
        preset='textbook')
]
test_evaluator = val_evaluator

# The learning rate was set for this batch on one device ("1xb32");
# tools/train.py --auto-scale-lr scales it for (devices x batch) / 32.
auto_scale_lr = dict(base_batch_size=32, enable=False)
