# Short name: BDA-SketRet on Sketchy-Extended (25 unseen classes), the
# paper's main setting. See configs/bda-sketret/README.md.
_base_ = ['./bda-sketret/bda-sketret_vgg16_1xb64_sketchy-ext-25.py']
