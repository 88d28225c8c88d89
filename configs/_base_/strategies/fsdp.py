# PyTorch FSDP (fully sharded data parallel) for mmengine's FlexibleRunner:
# parameters, gradients and Adam states are sharded over the GPUs, for
# backbones that do not fit one GPU with DDP. Start it with torchrun:
#   bash tools/dist_train.sh CONFIG 8
# (tools/train.py CONFIG --launcher pytorch under torchrun).
# sketret's own Runner (atomic checkpoints, the resume key check, the quiet
# terminal) is not used: FlexibleRunner logs mmengine's full log to the
# terminal as well as to the work dir. A config that inherits this file
# and default_runtime.py sets runner_type = 'FlexibleRunner' itself (two
# bases may not set the same key).
strategy = dict(
    type='FSDPStrategy',
    model_wrapper=dict(
        type='MMFullyShardedDataParallel',
        # the optimizer sees the original parameters: the backbone's
        # lr x0.1 group of paramwise_cfg and frozen stages keep working
        use_orig_params=True,
        # each submodule of 10 M parameters or more is its own FSDP unit
        auto_wrap_policy=dict(
            type='torch.distributed.fsdp.wrap.size_based_auto_wrap_policy',
            min_num_params=int(1e7))),
    # checkpoints hold the whole model (gathered on rank 0), so that
    # tools/test.py, get_model and the sketch pad load them as usual
    state_dict_cfg='full')
