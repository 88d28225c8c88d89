# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import torch
from mmengine.structures import BaseDataElement


class SBIRDataSample(BaseDataElement):
    """The data sample of sketret: one sketch or one photo.

    Meta information (set by the dataset and :class:`PackSBIRInputs`):

    - ``modality`` (str): ``'sketch'`` or ``'photo'``.
    - ``gt_label`` (int): index of the class in the dataset's ``classes``
      metainfo; ``-1`` for a distractor photo that belongs to no class.
    - ``class_name`` (str or None): the class name (None for distractors).
    - ``img_path`` (str): the image file.
    - ``is_seen`` (bool or None): for generalized ZS-SBIR, whether the class
      was seen in training; None when not applicable.
    - ``sample_idx`` (int): index of the sample in its dataset.

    Data field (set by a model in ``predict`` mode):

    - ``feature`` (Tensor): the retrieval embedding, shape ``(D, )``.

    Examples:
        >>> s = SBIRDataSample(metainfo=dict(modality='sketch', gt_label=3))
        >>> s.modality, s.gt_label
        ('sketch', 3)
        >>> s.set_feature(torch.ones(4)).feature.shape
        torch.Size([4])
    """

    def set_feature(self, feature: torch.Tensor) -> 'SBIRDataSample':
        """Set the ``(D, )`` retrieval embedding and return self."""
        if not isinstance(feature, torch.Tensor) or feature.dim() != 1:
            raise ValueError('feature must be a 1-D tensor of shape (D, ), '
                             f'got {getattr(feature, "shape", type(feature))}')
        self.feature = feature
        return self
