# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import os
import os.path as osp
import re
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def get_version():
    with open(osp.join(HERE, 'sketret', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def parse_requirements(fname):
    """Read a requirements file, following ``-r other.txt`` includes (each
    requirement once)."""
    reqs = []
    with open(osp.join(HERE, fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                reqs += [
                    r for r in parse_requirements(
                        osp.join(osp.dirname(fname), line[3:].strip()))
                    if r not in reqs
                ]
            elif line not in reqs:
                reqs.append(line)
    return reqs


#: What travels inside the package as ``sketret/.mim`` (as mmpretrain's
#: ``.mim``): configs, tools and the model index, so that an installed wheel
#: finds them (``sketret.apis.get_model``, ``mim train sketret``).
#: Checkpoints (``*.pth``) stay out of the wheel.
MIM_FILES = ('configs', 'tools', 'model_zoo')


def add_mim_extension():
    """Fill ``sketret/.mim``: symbolic links for an editable install,
    copies when a wheel or sdist is built (mmpretrain does the same)."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('bdist_wheel', 'sdist', 'build',
                                         'install')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'sketret', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    ignore = shutil.ignore_patterns('*.pth', '__pycache__', '*.pyc')
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        else:
            shutil.copytree(src, dst, ignore=ignore)
    # mim reads <package>/.mim/model-index.yml; ours imports the metafiles
    # relative to model_zoo/.
    with open(osp.join(HERE, 'model_zoo', 'model-index.yml'),
              encoding='utf-8') as f:
        index = f.read().replace('../configs/', 'configs/')
    with open(osp.join(mim_path, 'model-index.yml'), 'w',
              encoding='utf-8') as f:
        f.write(index)


add_mim_extension()

with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

setup(
    name='sketret',
    version=get_version(),
    description='OpenMMLab-style toolbox for zero-shot sketch-based image '
    'retrieval (BDA-SketRet and baselines)',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    python_requires='>=3.10',
    packages=find_packages(
        exclude=('configs', 'tools', 'tests', 'benchmarks')),
    include_package_data=True,
    package_data={
        'sketret': [
            'assets/**/*', 'assets/*', 'sketchpad/static/*',
            '.mim/model-index.yml', '.mim/configs/**/*',
            '.mim/model_zoo/**/*', '.mim/tools/**/*'
        ]
    },
    entry_points={
        'console_scripts': ['sketret-fetch=sketret.apis.fetch:main'],
    },
    install_requires=parse_requirements('requirements/runtime.txt'),
    extras_require={
        'optional': parse_requirements('requirements/optional.txt'),
        'tests': parse_requirements('requirements/tests.txt'),
        'web': parse_requirements('requirements/web.txt'),
        'deploy': parse_requirements('requirements/deploy.txt'),
        'export': parse_requirements('requirements/export.txt'),
        'all': parse_requirements('requirements.txt'),
    },
    zip_safe=False,
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ])
