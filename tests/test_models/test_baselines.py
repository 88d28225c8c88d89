# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The baselines' components: TripletLoss, KnowledgeDistillationLoss,
SemanticReconstructionLoss and the generic SketchPhotoRetriever."""
import copy
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.optim import OptimWrapper

from sketret.models.losses import (
    KnowledgeDistillationLoss,
    SemanticReconstructionLoss,
    TripletLoss,
)
from sketret.registry import MODELS
from sketret.structures import SBIRDataSample

SQRT2 = math.sqrt(2.0)


# ------------------------------------------------------------ TripletLoss
def hand_batch():
    """Two sketch anchors, three photos, 2-D embeddings.

    After L2 normalisation: s0 = (1, 0) [label 0], s1 = (0, 1) [label 1];
    p0 = (0.6, 0.8) [0], p1 = (1, 0) [1], p2 = (0, -1) [0].
    Euclidean distance of unit vectors: d = sqrt(2 - 2 cos).

    s0: d(p0) = sqrt(2 - 1.2) = 0.894427, d(p1) = 0, d(p2) = sqrt(2)
    s1: d(p0) = sqrt(2 - 1.6) = 0.632456, d(p1) = sqrt(2), d(p2) = 2
    """
    sketches = torch.tensor([[3.0, 0.0], [0.0, 0.5]])  # not unit norm
    photos = torch.tensor([[0.6, 0.8], [2.0, 0.0], [0.0, -4.0]])
    return (sketches, torch.tensor([0, 1]), photos, torch.tensor([0, 1, 0]))


D_S0 = (math.sqrt(0.8), 0.0, SQRT2)
D_S1 = (math.sqrt(0.4), SQRT2, 2.0)


def test_triplet_batch_hard_by_hand():
    # s0: farthest positive p2 (sqrt 2), nearest negative p1 (0):
    #     max(0, 1.414214 - 0 + 0.2) = 1.614214
    # s1: only positive p1 (sqrt 2), nearest negative p0 (0.632456):
    #     max(0, 1.414214 - 0.632456 + 0.2) = 0.981758
    # mean over the two anchors: 1.297986
    expected = ((D_S0[2] - D_S0[1] + 0.2) + (D_S1[1] - D_S1[0] + 0.2)) / 2
    assert expected == pytest.approx(1.297986, abs=1e-6)
    out = TripletLoss(margin=0.2, mining='batch_hard')(*hand_batch())
    assert set(out) == {'loss_triplet', 'triplet_active'}
    assert out['loss_triplet'].item() == pytest.approx(expected, abs=1e-5)
    assert out['triplet_active'].item() == 1.0
    # loss_weight scales the loss only
    out = TripletLoss(margin=0.2, loss_weight=0.5)(*hand_batch())
    assert out['loss_triplet'].item() == pytest.approx(expected / 2,
                                                       abs=1e-5)


def test_triplet_all_triplets_by_hand():
    # valid (anchor, positive, negative) triplets and their costs:
    #   (s0, p0, p1): 0.894427 - 0 + 0.2        = 1.094427
    #   (s0, p2, p1): 1.414214 - 0 + 0.2        = 1.614214
    #   (s1, p1, p0): 1.414214 - 0.632456 + 0.2 = 0.981758
    #   (s1, p1, p2): 1.414214 - 2 + 0.2 < 0    -> 0
    # mean over the 4 triplets: 0.922600; 3 of 4 active
    costs = [D_S0[0] - D_S0[1] + 0.2, D_S0[2] - D_S0[1] + 0.2,
             D_S1[1] - D_S1[0] + 0.2, 0.0]
    expected = sum(costs) / 4
    assert expected == pytest.approx(0.922600, abs=1e-6)
    out = TripletLoss(margin=0.2, mining='all')(*hand_batch())
    assert out['loss_triplet'].item() == pytest.approx(expected, abs=1e-5)
    assert out['triplet_active'].item() == pytest.approx(0.75)


def test_triplet_without_normalisation_and_squared():
    sketches, ls, photos, lp = hand_batch()
    # raw s1 = (0, 0.5): d(p0)^2 = 0.36 + 0.09 = 0.45,
    # d(p1)^2 = 4 + 0.25 = 4.25; margin 1:
    # max(0, 4.25 - 0.45 + 1) = 4.8
    out = TripletLoss(margin=1.0, normalize=False, squared=True)(
        sketches[1:], ls[1:], photos, lp)
    assert out['loss_triplet'].item() == pytest.approx(4.8, abs=1e-5)


def test_triplet_distractors_and_missing_triplets():
    loss = TripletLoss(margin=0.2, loss_name='loss_tri')
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    # photo labels: 0 and -1 (a distractor, a negative for everyone)
    p = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    out = loss(a, torch.tensor([0, -1]), p, torch.tensor([0, -1]))
    # anchor 0: positive p0 (d = sqrt 2), negative p1 (d = 0): sqrt2 + .2
    # anchor 1 (label -1) is ignored; the distractor is never a positive
    assert set(out) == {'loss_tri', 'tri_active'}
    assert out['loss_tri'].item() == pytest.approx(SQRT2 + 0.2, abs=1e-5)
    # no positive at all: a zero connected to the inputs
    out = loss(a, torch.tensor([2, 3]), p, torch.tensor([0, 1]))
    assert out['loss_tri'].item() == 0.0
    out['loss_tri'].backward()
    assert a.grad is not None
    # the gradient is finite even for identical embeddings (d = 0)
    x = torch.tensor([[1.0, 0.0]], requires_grad=True)
    out = TripletLoss()(x, torch.tensor([0]), torch.tensor([[1.0, 0.0],
                                                            [1.0, 0.0]]),
                        torch.tensor([0, 1]))
    out['loss_triplet'].backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize('kwargs, message', [
    (dict(margin=-0.1), 'margin must be'),
    (dict(mining='semi_hard'), 'mining must be one of'),
    (dict(loss_weight=float('nan')), 'loss_weight must be'),
])
def test_triplet_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TripletLoss(**kwargs)


def test_triplet_label_count_mismatch():
    with pytest.raises(ValueError, match='2 anchors with 1 labels'):
        TripletLoss()(torch.zeros(2, 2), torch.tensor([0]), torch.zeros(1, 2),
                      torch.tensor([0]))


# ------------------------------------------------------- distillation
def test_kd_loss_by_hand():
    student = torch.tensor([[1.0, 2.0, 3.0]])
    teacher = torch.tensor([[3.0, 2.0, 1.0]])
    # T = 2: teacher softmax([1.5, 1, .5]) = e^{.5}, 1, e^{-.5} over their
    # sum 3.255252 = (0.506480, 0.307196, 0.186324); the student's is the
    # reverse. KL(t || s) = 0.506480 ln(0.506480 / 0.186324)
    #   + 0.307196 ln 1 + 0.186324 ln(0.186324 / 0.506480)
    #   = (0.506480 - 0.186324) * ln(e) = 0.320156 (the ratio is e^1)
    # times T^2 = 4: 1.280624
    out = KnowledgeDistillationLoss(temperature=2.0)(student, teacher)
    assert set(out) == {'loss_kd'}
    assert out['loss_kd'].item() == pytest.approx(1.280624, abs=1e-5)
    out = KnowledgeDistillationLoss(temperature=2.0, loss_weight=0.5,
                                    loss_name='loss_distill')(student,
                                                              teacher)
    assert out['loss_distill'].item() == pytest.approx(0.640312, abs=1e-5)


def test_kd_loss_matches_kl_div_oracle_and_trains_the_student_only():
    gen = torch.Generator().manual_seed(0)
    student = torch.randn(5, 7, generator=gen, requires_grad=True)
    teacher = torch.randn(5, 7, generator=gen, requires_grad=True)
    temperature = 3.0
    # torch's kl_div(input=log q, target=p) = sum p (log p - log q)
    oracle = F.kl_div(
        F.log_softmax(student / temperature, dim=1),
        F.softmax(teacher / temperature, dim=1),
        reduction='batchmean') * temperature**2
    out = KnowledgeDistillationLoss(temperature=temperature)(student,
                                                              teacher)
    assert out['loss_kd'].item() == pytest.approx(oracle.item(), rel=1e-5)
    out['loss_kd'].backward()
    assert student.grad is not None and teacher.grad is None
    # equal predictions cost nothing; an empty batch is a connected zero
    same = KnowledgeDistillationLoss()(teacher, teacher)['loss_kd']
    assert same.item() == pytest.approx(0.0, abs=1e-6)
    empty = torch.zeros(0, 7, requires_grad=True)
    assert KnowledgeDistillationLoss()(empty, empty)['loss_kd'].item() == 0


def test_kd_loss_bad_input():
    with pytest.raises(ValueError, match='temperature must be > 0'):
        KnowledgeDistillationLoss(temperature=0)
    with pytest.raises(ValueError, match='same shape'):
        KnowledgeDistillationLoss()(torch.zeros(2, 3), torch.zeros(2, 4))


# ----------------------------------------- semantic reconstruction
def identity_decoder_loss(**kwargs):
    loss = SemanticReconstructionLoss(
        embed_dim=2, semantic_dim=2, hidden_dims=(), **kwargs)
    with torch.no_grad():  # decoded vector = the embedding itself
        loss.decoder[0].weight.copy_(torch.eye(2))
        loss.decoder[0].bias.zero_()
    return loss


def test_semantic_reconstruction_by_hand():
    emb = torch.tensor([[3.0, 4.0], [1.0, 0.0], [9.0, 9.0]])
    labels = torch.tensor([0, 1, -1])  # the third sample is ignored
    vectors = torch.tensor([[0.0, 2.0], [1.0, 1.0]])
    # unit targets: w0 = (0, 1), w1 = (0.707107, 0.707107)
    # l2: |(3, 4) - (0, 1)|^2 = 9 + 9 = 18
    #     |(1, 0) - (.707107, .707107)|^2 = 0.292893^2 + 0.5 = 0.585786
    #     mean = 9.292893
    out = identity_decoder_loss()(emb, labels, vectors)
    assert set(out) == {'loss_sem'}
    assert out['loss_sem'].item() == pytest.approx(9.292893, abs=1e-5)
    # raw targets: |(3, 4) - (0, 2)|^2 = 13, |(1, 0) - (1, 1)|^2 = 1 -> 7
    out = identity_decoder_loss(normalize_target=False)(emb, labels, vectors)
    assert out['loss_sem'].item() == pytest.approx(7.0, abs=1e-5)
    # cosine: 1 - cos((3, 4), (0, 1)) = 1 - 0.8 = 0.2
    #         1 - cos((1, 0), (1, 1)) = 1 - 0.707107 = 0.292893
    #         mean 0.246447, weight 2 -> 0.492893
    out = identity_decoder_loss(loss_type='cosine', loss_weight=2.0)(
        emb, labels, vectors)
    assert out['loss_sem'].item() == pytest.approx(0.492893, abs=1e-5)


def test_semantic_reconstruction_decoder_and_errors():
    loss = SemanticReconstructionLoss(embed_dim=8, semantic_dim=5,
                                      hidden_dims=(16, 12))
    linears = [m for m in loss.decoder if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (8, 16), (16, 12), (12, 5)]
    # only distractors: a zero that still reaches the decoder
    out = loss(torch.randn(3, 8), torch.tensor([-1, -1, -1]),
               torch.randn(2, 5))
    assert out['loss_sem'].item() == 0.0
    out['loss_sem'].backward()
    assert all(p.grad is not None for p in loss.parameters())
    with pytest.raises(ValueError, match=r'shape \(C, 5\)'):
        loss(torch.randn(3, 8), torch.tensor([0, 1, 0]), torch.randn(2, 300))
    with pytest.raises(ValueError, match='label 4 but only 2'):
        loss(torch.randn(1, 8), torch.tensor([4]), torch.randn(2, 5))
    with pytest.raises(ValueError, match='loss_type must be'):
        SemanticReconstructionLoss(embed_dim=8, loss_type='mse')
    with pytest.raises(ValueError, match='embed_dim must be a positive'):
        SemanticReconstructionLoss(embed_dim=0)


# ------------------------------------------------- SketchPhotoRetriever
CLASSES = ['cat', 'dog', 'pear']


@MODELS.register_module(name='TinyBaselineTestNet', force=True)
class TinyNet(nn.Module):
    """(B, 3, H, W) -> ((B, 16, H/4, W/4), )."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU())

    def forward(self, x):
        return (self.body(x), )


def retriever_cfg(**overrides):
    cfg = dict(
        type='SketchPhotoRetriever',
        backbone=dict(
            type='TwoStreamBackbone',
            backbone=dict(type='TinyBaselineTestNet')),
        neck=dict(type='mmpretrain.LinearNeck', out_channels=8, gap_dim=2,
                  norm_cfg=None),
        metric_loss=dict(type='TripletLoss', margin=0.2),
        data_preprocessor=dict(
            type='SBIRDataPreprocessor', mean=[128] * 3, std=[64] * 3))
    cfg.update(overrides)
    return cfg


def build(**overrides):
    torch.manual_seed(0)
    return MODELS.build(retriever_cfg(**overrides))


def make_batch(size=12, hw=32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(size):
        # photo, sketch of class 0, photo, sketch of class 1, ...
        modality = 'sketch' if i % 2 else 'photo'
        inputs.append(torch.randint(0, 256, (3, hw, hw), generator=gen,
                                    dtype=torch.uint8))
        samples.append(SBIRDataSample(metainfo=dict(
            modality=modality, gt_label=(i // 2) % len(CLASSES))))
    return dict(inputs=inputs, data_samples=samples)


def wrapper(model):
    return OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))


def test_retriever_triplet_train_and_predict():
    model = build()
    assert model.embed_dim == 8
    model.train()
    log_vars = model.train_step(make_batch(), wrapper(model))
    assert set(log_vars) == {'loss', 'loss_triplet', 'triplet_active'}
    assert torch.isfinite(log_vars['loss'])
    model.eval()
    data = make_batch(size=5)
    samples = model.test_step(copy.deepcopy(data))
    feats = torch.stack([s.feature for s in samples])
    assert feats.shape == (5, 8)
    assert torch.allclose(feats.norm(dim=1), torch.ones(5), atol=1e-5)
    inputs = model.data_preprocessor(data)['inputs']
    for i, sample in enumerate(data['data_samples']):
        expected = F.normalize(
            model.extract_feat(inputs[i:i + 1], sample.modality), dim=1)[0]
        assert torch.allclose(samples[i].feature, expected, atol=1e-5)
    tensor = model(inputs, data['data_samples'], mode='tensor')
    assert tensor.shape == (5, 8)
    with pytest.raises(ValueError, match='modality'):
        model(inputs, None, mode='tensor')
    with pytest.raises(ValueError, match='invalid mode'):
        model(inputs, data['data_samples'], mode='feats')


def test_retriever_triplet_needs_no_classes_but_checks_labels():
    model = build()
    model.train()
    model.train_step(make_batch(), wrapper(model))  # no set_train_classes
    model.set_train_classes(['cat', 'dog'])
    with pytest.raises(ValueError, match='gt_label 2 is outside the 2'):
        model.train_step(make_batch(), wrapper(model))


@pytest.mark.parametrize('domain_input', ['embedding', 'maps'])
def test_retriever_doodle2search_terms(domain_input):
    model = build(
        domain_classifier=dict(type='SpatialDomainDiscriminator',
                               hidden_channels=(8, 4)),
        domain_loss=dict(type='DomainAdversarialLoss', loss_weight=0.5),
        domain_input=domain_input,
        semantic_loss=dict(type='SemanticReconstructionLoss', semantic_dim=6,
                           hidden_dims=(16, )))
    expected_in = 8 if domain_input == 'embedding' else 16
    assert model.domain_classifier.in_channels == expected_in
    assert model.semantic_loss.embed_dim == 8
    model.set_train_classes(CLASSES, torch.randn(3, 6))
    model.train()
    log_vars = model.train_step(make_batch(), wrapper(model))
    assert set(log_vars) == {
        'loss', 'loss_triplet', 'triplet_active', 'loss_adv', 'disc_acc',
        'disc_acc_sketch', 'disc_acc_photo', 'grl_coeff', 'loss_sem'
    }
    assert all(torch.isfinite(v) for v in log_vars.values())
    total = sum(v for k, v in log_vars.items() if k.startswith('loss_'))
    assert log_vars['loss'].item() == pytest.approx(total.item(), rel=1e-5)


def test_retriever_gradient_reversal_reaches_the_embedding():
    """The domain loss trains the classifier and, through the gradient
    reversal layer, the embedding; with lambda = 0 nothing reaches the
    embedding."""
    grads = {}
    for coeff in (1.0, 0.0):
        model = build(
            metric_loss=None,
            domain_classifier=dict(type='SpatialDomainDiscriminator',
                                   hidden_channels=(8, 4), grl_coeff=coeff),
            domain_loss=dict(type='DomainAdversarialLoss'))
        model.train()
        data = model.data_preprocessor(make_batch())
        model(**data, mode='loss')['loss_adv'].backward()
        grads[coeff] = model.neck.fc.weight.grad.clone()
        assert model.domain_classifier.fc.weight.grad.abs().sum() > 0
    assert grads[1.0].abs().sum() > 0
    assert grads[0.0].abs().sum() == 0


def test_retriever_semantics_from_provider():
    vectors = {'cat': [1.0, 0.0], 'dog': [0.0, 1.0], 'pear': [1.0, 1.0]}
    model = build(
        semantic_loss=dict(type='SemanticReconstructionLoss', semantic_dim=2,
                           hidden_dims=()),
        semantics=lambda names: [vectors[n] for n in names])
    with pytest.raises(RuntimeError, match='ClassSemanticsHook'):
        model.train_step(make_batch(), wrapper(model))
    model.set_train_classes(CLASSES)
    assert model.class_vectors.tolist() == [vectors[c] for c in CLASSES]
    model.train()
    assert 'loss_sem' in model.train_step(make_batch(), wrapper(model))
    with pytest.raises(ValueError, match=r'shape \(3, D\)'):
        model.set_train_classes(CLASSES, torch.zeros(2, 2))


def test_retriever_classification_with_mmpretrain_head():
    model = build(
        metric_loss=None,
        cls_head=dict(type='mmpretrain.LinearClsHead', num_classes=3,
                      loss=dict(type='mmpretrain.CrossEntropyLoss')))
    assert model.cls_head.fc.in_features == 8
    assert model.cls_loss is model.cls_head.loss_module
    with pytest.raises(RuntimeError, match='training classes are not set'):
        model.train_step(make_batch(), wrapper(model))
    with pytest.raises(ValueError, match='cls_head.num_classes=4'):
        model.set_train_classes(CLASSES + ['tank'])
    model.set_train_classes(CLASSES)
    model.train()
    log_vars = model.train_step(make_batch(), wrapper(model))
    assert set(log_vars) == {'loss', 'loss_cls', 'cls_acc'}
    # the cross-entropy of the head's logits, computed here independently
    model.eval()
    data = model.data_preprocessor(make_batch())
    losses = model(**data, mode='loss')
    emb = model(**data, mode='tensor')
    labels = torch.tensor([s.gt_label for s in data['data_samples']])
    logits = model.cls_head.fc(emb)
    assert losses['loss_cls'].item() == pytest.approx(
        F.cross_entropy(logits, labels).item(), rel=1e-5)


@MODELS.register_module(name='TinyKDTestNet', force=True)
class TinyClassifierNet(TinyNet):
    """TinyNet with a 10-way "ImageNet" classifier on its pooled map, like
    ``EfficientNetLite0(with_classifier=True)``."""

    def __init__(self):
        super().__init__()
        self.classifier = nn.Linear(16, 10)

    def imagenet_logits(self, x):
        return self.classifier(self.body(x).mean(dim=(2, 3)))


def tiny_kd_model(**overrides):
    cfg = retriever_cfg(
        backbone=dict(
            type='TwoStreamBackbone',
            share_backbone=True,
            backbone=dict(type='TinyKDTestNet')),
        domain_flag=True,
        metric_loss=None,
        teacher=dict(type='TinyKDTestNet'),
        distill_loss=dict(type='KnowledgeDistillationLoss', temperature=2.0))
    cfg.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def test_retriever_distillation_from_a_frozen_teacher():
    model = tiny_kd_model()
    assert all(not p.requires_grad for p in model.teacher.parameters())
    # not a submodule: no optimiser, DDP, checkpoint or count sees it
    teacher_ids = {id(p) for p in model.teacher.parameters()}
    assert not teacher_ids & {id(p) for p in model.parameters()}
    assert not any(k.startswith('teacher') for k in model.state_dict())
    assert 'teacher' not in dict(model.named_children())
    model.train()
    assert not model.teacher.training and model.backbone.training
    # a student that starts as a copy of the teacher predicts the same
    # ImageNet logits (the domain flag starts as the identity): KD = 0
    model.backbone.shared.load_state_dict(model.teacher.state_dict())
    model.eval()
    data = model.data_preprocessor(make_batch(size=6))
    loss_kd = model(**data, mode='loss')['loss_kd']
    assert loss_kd.item() == pytest.approx(0.0, abs=1e-6)

    teacher_before = copy.deepcopy(model.teacher.state_dict())
    model.train()
    optim = wrapper(model)
    for _ in range(2):
        log_vars = model.train_step(make_batch(size=6), optim)
    assert set(log_vars) == {'loss', 'loss_kd'}
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    # the domain flag is trained, and differs between the two modalities
    assert not torch.equal(model.domain_scale[0], model.domain_scale[1])
    assert model.domain_bias.abs().sum() > 0


def test_retriever_domain_flag_changes_the_embedding_per_modality():
    model = tiny_kd_model()
    model.eval()
    x = model.data_preprocessor(make_batch(size=2))['inputs']
    same = model.extract_feat(x, 'sketch')
    assert torch.allclose(same, model.extract_feat(x, 'photo'))
    with torch.no_grad():
        model.domain_bias[1].fill_(0.5)
    assert not torch.allclose(same, model.extract_feat(x, 'photo'))


@pytest.mark.parametrize('overrides, error, message', [
    (dict(metric_loss=None), ValueError, 'no loss configured'),
    (dict(domain_classifier=dict(type='SpatialDomainDiscriminator')),
     ValueError, 'needs a domain_loss'),
    (dict(domain_loss=dict(type='DomainAdversarialLoss')), ValueError,
     'domain_loss without a domain_classifier'),
    (dict(domain_classifier=dict(type='SpatialDomainDiscriminator',
                                 mode='minmax'),
          domain_loss=dict(type='DomainAdversarialLoss')), ValueError,
     "only mode='grl'"),
    (dict(domain_input='pixels'), ValueError, 'domain_input must be'),
    (dict(backbone=dict(type='TinyBaselineTestNet')), TypeError,
     'two-stream backbone'),
    (dict(teacher=dict(type='TinyBaselineTestNet'),
          distill_loss=dict(type='KnowledgeDistillationLoss')), TypeError,
     'imagenet_logits'),
    (dict(distill_loss=dict(type='KnowledgeDistillationLoss')), ValueError,
     'distill_loss without a teacher'),
])
def test_retriever_bad_configs(overrides, error, message):
    with pytest.raises(error, match=message):
        build(**overrides)


def test_retriever_teacher_needs_a_student_classifier():
    with pytest.raises(TypeError, match='with_classifier=True'):
        tiny_kd_model(backbone=dict(
            type='TwoStreamBackbone', share_backbone=True,
            backbone=dict(type='TinyBaselineTestNet')))


def test_teacher_is_the_same_architecture_as_the_student():
    model = tiny_kd_model()
    assert isinstance(model.teacher, TinyClassifierNet)
    assert [k for k in model.teacher.state_dict()] == [
        k for k in model.backbone.shared.state_dict()]


def test_retriever_moves_the_teacher_with_the_model():
    model = tiny_kd_model()
    model.double()
    assert model.teacher.classifier.weight.dtype == torch.float64
    assert model.backbone.shared.classifier.weight.dtype == torch.float64
    model.float()
    assert model.teacher.classifier.weight.dtype == torch.float32
    model.train()
    assert not model.teacher.training
