# Runtime settings shared by every sketret config.
default_scope = 'sketret'

# mmengine's Runner + atomic checkpoint writes and a resume key check
runner_type = 'SketRetRunner'

default_hooks = dict(
    # time of each iteration (and ETA in the log line)
    timer=dict(type='IterTimerHook'),
    # progress, ETA, every loss term and the learning rate, every 10 iters
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the 2 latest checkpoints and the best one on the validation set
    # (held-out samples of the SEEN classes, never the test classes)
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=2,
        save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # stop at the first NaN/inf loss, naming the iteration and the loss
    # terms, before anything of that iteration is saved (resume from the
    # last checkpoint)
    non_finite_loss=dict(type='NonFiniteLossHook'),
    # training samples replaced because their file is unreadable (dataset
    # on_corrupt='skip'): counted in the log; the run stops when more than
    # max_ratio of an epoch's samples were replaced
    corrupt_files=dict(type='CorruptFileHook', max_ratio=0.01),
    # one terminal line per epoch: iterations, loss, lr, ETA, val metrics
    progress=dict(type='ProgressHook'),
)

env_cfg = dict(
    # cudnn picks the fastest convolution algorithms: every sketret config
    # resizes its training images to one fixed size, so this is tuned once.
    # --deterministic (randomness.deterministic=True) switches it off.
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to 'gloo' when there is no GPU
    dist_cfg=dict(backend='nccl'),
)

# Distributed runs: tools/train.py and tools/test.py wrap the model in
# MMDistributedDataParallel with torch's default buffer handling on GPUs and
# CPUs alike: every rank uses rank 0's BatchNorm statistics (the ones saved
# in checkpoints), copied at each forward. Set model_wrapper_cfg here to
# change it.

# Scalars (losses, lr, metrics) go to WORK_DIR/<time>/vis_data/scalars.json.
# TensorBoard event files too: add dict(type='TensorboardVisBackend') here,
# or pass `tools/train.py CONFIG --tensorboard` (needs the tensorboard
# package of requirements/optional.txt), then
# `tensorboard --logdir WORK_DIR`.
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_processor = dict(by_epoch=True, window_size=10)
# The log file (WORK_DIR/<time>/<time>.log) gets log_level and above. The
# terminal shows only console_log_level and above, plus ProgressHook's line
# per epoch: 'WARNING' keeps it readable; 'INFO' shows the whole log there
# too (`tools/train.py CONFIG --log-level INFO` does the same).
log_level = 'INFO'
console_log_level = 'WARNING'

load_from = None
resume = False

randomness = dict(seed=0, deterministic=False)
