# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Sketchy-Extended, 100 seen / 25 unseen classes (SAKE / ZSE-SBIR split).
# Reported with mAP@all and P@100.
# Get the data and check it: docs/datasets.md.
dataset_type = 'SketchyExtended'
# relative to the working directory, like mmpretrain
data_root = 'data/Sketchy'
split = 'sketchy_ext_25'

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

# Training: class-balanced batches of 8 classes x (4 sketches +
# 4 photos) = 64 images; the batch sampler checks that batch_size
# matches the sampler.
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    # pinned batches on a GPU, not on the CPU (resolved at Runner build)
    pin_memory='auto',
    sampler=dict(
        type='ClassBalancedPairSampler',
        classes_per_batch=8,
        sketches_per_class=4,
        photos_per_class=4),
    batch_sampler=dict(type='ClassBalancedPairBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split=split,
        subset='train',
        modality='both',
        # an unreadable file is replaced by another sample of its class and
        # modality, with a warning; default_hooks.corrupt_files counts them
        # and stops the run above 1 % of an epoch
        on_corrupt='skip',
        pipeline=train_pipeline))
# Validation: held-out samples of the SEEN classes (model selection).
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    # pinned batches on a GPU, not on the CPU (resolved at Runner build)
    pin_memory='auto',
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split=split,
        subset='val',
        modality='both',
        # an unreadable file stops evaluation naming it; 'skip' leaves such
        # files out (checked before the run) and lists them
        on_corrupt='error',
        pipeline=test_pipeline))
# Test: the unseen classes (set generalized=True for GZS-SBIR).
test_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    # pinned batches on a GPU, not on the CPU (resolved at Runner build)
    pin_memory='auto',
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split=split,
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
        metrics=['mAP@all', 'P@100'],
        preset='textbook')
]
test_evaluator = val_evaluator

# The learning rate was set for this batch on one GPU ("1xb64");
# tools/train.py --auto-scale-lr scales it for (GPUs x batch) / 64.
auto_scale_lr = dict(base_batch_size=64, enable=False)
