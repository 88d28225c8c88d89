# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# qd-imagenet (data/qd-imagenet, see its README and docs/datasets.md): 61
# seen / 12 unseen Quick, Draw! classes, 200 SVG drawings per class, 291
# ImageNet photos, 642 distractors. Build the tree once with
#   python tools/dataset_converters/prepare_qd_imagenet.py
# Sketches are read as strokes and rendered in the pipeline (224 px, 16 px
# margin, 3 px lines, as in the floor measured in docs/datasets.md).
#
# Test galleries (test_dataloader.dataset.gallery): 'unseen' (19 photos, the
# standard ZS-SBIR protocol, default), 'unseen+seen' (291) and
# 'unseen+seen+distractor' (933), always with the 2,400 unseen-class
# sketches as queries. Class folds: split='fold0'..'fold3' on all three
# dataloaders, e.g.
#   --cfg-options train_dataloader.dataset.split=fold0 \
#     val_dataloader.dataset.split=fold0 test_dataloader.dataset.split=fold0
dataset_type = 'QDImageNet'
data_root = 'data/qd-imagenet/prepared'

# sizes and rendering: defaults chosen by sketret
img_scale = (224, 224)
render = dict(type='RenderStrokes', size=224, margin=16, line_width=3)

# Vector sketches: exact stroke-level augmentation, then rendering; raster
# sketches (a .png among them) and photos are loaded as images by the same
# LoadStrokes and skip the stroke transforms.
train_pipeline = [
    dict(type='LoadStrokes'),
    dict(type='RandomStrokeAffine', prob=0.5),
    dict(type='RandomStrokeDropout', prob=0.5, drop_ratio=0.1),
    dict(type='StrokeWidthJitter', factor_range=(0.67, 1.67), prob=0.5),
    render,
    dict(type='mmcv.Resize', scale=img_scale, keep_ratio=False),
    dict(type='mmcv.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackSBIRInputs'),
]
test_pipeline = [
    dict(type='LoadStrokes'),
    render,
    dict(type='mmcv.Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackSBIRInputs'),
]

# Class-balanced batches of 4 classes x (4 sketches + 4 photos) = 32
# images. sketches_per_class_per_epoch keeps an epoch short on a CPU (a
# fresh subsample of the 180 training drawings of each class every epoch).
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(
        type='ClassBalancedPairSampler',
        classes_per_batch=4,
        sketches_per_class=4,
        photos_per_class=4,
        sketches_per_class_per_epoch=None),
    batch_sampler=dict(type='ClassBalancedPairBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='standard',
        subset='train',
        modality='both',
        # an unreadable file is replaced by another sample of its class and
        # modality (as in sbir_mini.py); default_hooks.corrupt_files counts
        # them and stops the run above 1 % of an epoch
        on_corrupt='skip',
        pipeline=train_pipeline))
# Validation (model selection): held-out drawings of the SEEN classes
# against all seen-class photos (most classes have one photo).
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='standard',
        subset='val',
        modality='both',
        on_corrupt='error',
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='standard',
        subset='test',
        modality='both',
        on_corrupt='error',
        gallery='unseen',
        pipeline=test_pipeline))

# mAP@all ('textbook') as in the floor; the galleries are small, so
# P@10 (choice of sketret, as for sbir-mini).
# modality_gap: how far apart sketch and photo embeddings lie (MMD, linear
# probe accuracy; see sketret/evaluation/modality_gap.py), logged each
# validation next to the mAP.
val_evaluator = [
    dict(
        type='SBIRRetrievalMetric',
        metrics=['mAP@all', 'P@10'],
        preset='textbook',
        modality_gap=True)
]
test_evaluator = val_evaluator

# The learning rate was set for this batch on one device ("1xb32");
# tools/train.py --auto-scale-lr scales it for (devices x batch) / 32.
auto_scale_lr = dict(base_batch_size=32, enable=False)
