"""The chapter 6 checkers accept correct answers and reject typical wrong ones with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import checks, losses, optim
from lossviz.checks import ExerciseFailed, ch6


def test_chapter_6_checkers_are_reexported():
    assert checks.ch6 is ch6
    assert checks.giou is ch6.giou and checks.soft_threshold is ch6.soft_threshold
    assert checks.adamw_step is ch6.adamw_step


# ------------------------------------------------------------ soft_threshold
def good_soft_threshold(v, tau):
    v = np.asarray(v, dtype=float)
    return np.sign(v) * np.maximum(np.abs(v) - tau, 0.0)


def test_soft_threshold_accepts_the_reference_answer_and_lossviz(capsys):
    ch6.soft_threshold(good_soft_threshold)
    ch6.soft_threshold(lambda v, tau: optim.soft_threshold(v, tau))
    assert capsys.readouterr().out.count("Soft-thresholding: correct") == 2


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda v, tau: np.asarray(v) - tau * np.sign(v), "subgradient step"),
        (lambda v, tau: np.where(np.abs(v) > tau, v, 0.0), "hard thresholding"),
        (lambda v, tau: np.maximum(np.abs(np.asarray(v)) - tau, 0.0), "signs are lost"),
        (lambda v, tau: np.maximum(np.asarray(v) - tau, 0.0), "negative entries"),
        (lambda v, tau: float(np.sum(good_soft_threshold(v, tau))), "a sum or mean"),
        (lambda v, tau: None, "None"),
    ],
)
def test_soft_threshold_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch6.soft_threshold(wrong)


def test_soft_threshold_says_when_the_exercise_is_unfinished():
    def my_soft_threshold(v, tau):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="still raises NotImplementedError"):
        ch6.soft_threshold(my_soft_threshold)


# ---------------------------------------------------------------------- giou
def good_giou(boxes, targets):
    b, t = np.asarray(boxes, dtype=float), np.asarray(targets, dtype=float)
    iw = np.clip(np.minimum(b[:, 2], t[:, 2]) - np.maximum(b[:, 0], t[:, 0]), 0, None)
    ih = np.clip(np.minimum(b[:, 3], t[:, 3]) - np.maximum(b[:, 1], t[:, 1]), 0, None)
    inter = iw * ih
    union = (
        (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        + (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
        - inter
    )
    hull = (np.maximum(b[:, 2], t[:, 2]) - np.minimum(b[:, 0], t[:, 0])) * (
        np.maximum(b[:, 3], t[:, 3]) - np.minimum(b[:, 1], t[:, 1])
    )
    return 1 - inter / union + (hull - union) / hull


def unclamped_giou(boxes, targets):
    b, t = np.asarray(boxes, dtype=float), np.asarray(targets, dtype=float)
    iw = np.minimum(b[:, 2], t[:, 2]) - np.maximum(b[:, 0], t[:, 0])
    ih = np.minimum(b[:, 3], t[:, 3]) - np.maximum(b[:, 1], t[:, 1])
    inter = np.where((iw < 0) & (ih < 0), iw * ih, np.clip(iw, 0, None) * np.clip(ih, 0, None))
    union = (
        (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        + (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
        - inter
    )
    hull = (np.maximum(b[:, 2], t[:, 2]) - np.minimum(b[:, 0], t[:, 0])) * (
        np.maximum(b[:, 3], t[:, 3]) - np.minimum(b[:, 1], t[:, 1])
    )
    return 1 - inter / union + (hull - union) / hull


def test_giou_accepts_the_reference_answer_and_lossviz(capsys):
    ch6.giou(good_giou)
    ch6.giou(lambda b, t: losses.giou(b, t, eps=0.0, reduction="none"))
    assert capsys.readouterr().out.count("The GIoU loss: correct") == 2


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda b, t: losses.iou(b, t, eps=0.0, reduction="none"), "IoU loss 1 - IoU"),
        (unclamped_giou, "clamped at 0"),
        (lambda b, t: 1 - good_giou(b, t), "the loss is 1 - GIoU"),
        (lambda b, t: losses.giou(b, t, eps=0.0), "a sum or mean"),
        (lambda b, t: losses.diou(b, t, eps=0.0, reduction="none"), "overlapping boxes"),
    ],
)
def test_giou_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch6.giou(wrong)


def test_giou_hint_for_the_penalty_outside_the_intersection():
    def wrong(boxes, targets):
        # (A_C - I) / A_C instead of (A_C - U) / A_C: differs once the boxes overlap partly
        b, t = np.asarray(boxes, dtype=float), np.asarray(targets, dtype=float)
        iou_loss = losses.iou(b, t, eps=0.0, reduction="none")
        iw = np.clip(np.minimum(b[:, 2], t[:, 2]) - np.maximum(b[:, 0], t[:, 0]), 0, None)
        ih = np.clip(np.minimum(b[:, 3], t[:, 3]) - np.maximum(b[:, 1], t[:, 1]), 0, None)
        hull = (np.maximum(b[:, 2], t[:, 2]) - np.minimum(b[:, 0], t[:, 0])) * (
            np.maximum(b[:, 3], t[:, 3]) - np.minimum(b[:, 1], t[:, 1])
        )
        return iou_loss + (hull - iw * ih) / hull

    with pytest.raises(ExerciseFailed, match="outside the UNION"):
        ch6.giou(wrong)


def test_giou_says_when_the_exercise_is_unfinished():
    def my_giou(boxes, targets):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="still raises NotImplementedError"):
        ch6.giou(my_giou)


# ---------------------------------------------------------------- adamw_step
def good_adamw_step(w, grad, m, v, t, lr, weight_decay):
    w, grad = np.asarray(w, float), np.asarray(grad, float)
    m = 0.9 * np.asarray(m, float) + 0.1 * grad
    v = 0.999 * np.asarray(v, float) + 0.001 * grad**2
    m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
    return (1 - lr * weight_decay) * w - lr * m_hat / (np.sqrt(v_hat) + 1e-8), m, v


def test_adamw_step_accepts_the_reference_answer(capsys):
    ch6.adamw_step(good_adamw_step)
    assert "One AdamW step: correct" in capsys.readouterr().out


def test_adamw_step_reference_is_torch_adamw_from_the_same_state():
    torch = pytest.importorskip("torch")
    w, g = np.array([0.3, 4.0, -1.0]), np.array([-0.2, 1.5, 0.0])
    m, v = np.array([0.1, 0.4, -0.05]), np.array([0.02, 0.3, 0.001])
    p = torch.tensor(w, requires_grad=True)
    opt = torch.optim.AdamW([p], lr=0.05, weight_decay=0.2)
    p.grad = torch.tensor(g)
    opt.step()  # creates the state, which is then overwritten with (m, v) after 2 steps
    state = opt.state[p]
    state["exp_avg"].copy_(torch.tensor(m))
    state["exp_avg_sq"].copy_(torch.tensor(v))
    state["step"].fill_(2.0)
    with torch.no_grad():
        p.copy_(torch.tensor(w))
    opt.step()
    new_w, new_m, new_v = good_adamw_step(w, g, m, v, 3, 0.05, 0.2)
    np.testing.assert_allclose(p.detach().numpy(), new_w, rtol=1e-13)
    np.testing.assert_allclose(state["exp_avg"].numpy(), new_m, rtol=1e-13)
    np.testing.assert_allclose(state["exp_avg_sq"].numpy(), new_v, rtol=1e-13)


def l2_adam_step(w, grad, m, v, t, lr, weight_decay):
    return good_adamw_step(w, np.asarray(grad) + weight_decay * np.asarray(w), m, v, t, lr, 0.0)


def decay_after_step(w, grad, m, v, t, lr, weight_decay):
    new_w, m, v = good_adamw_step(w, grad, m, v, t, lr, 0.0)
    return (1 - lr * weight_decay) * new_w, m, v


def decay_without_lr(w, grad, m, v, t, lr, weight_decay):
    new_w, m, v = good_adamw_step(w, grad, m, v, t, lr, 0.0)
    return new_w - weight_decay * np.asarray(w), m, v


def no_bias_correction(w, grad, m, v, t, lr, weight_decay):
    w, grad = np.asarray(w, float), np.asarray(grad, float)
    m = 0.9 * np.asarray(m, float) + 0.1 * grad
    v = 0.999 * np.asarray(v, float) + 0.001 * grad**2
    return (1 - lr * weight_decay) * w - lr * m / (np.sqrt(v) + 1e-8), m, v


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (l2_adam_step, "Adam with an L2 penalty"),
        (decay_after_step, "after the Adam step"),
        (decay_without_lr, "lr \\* weight_decay, not weight_decay alone"),
        (no_bias_correction, "bias correction"),
        (lambda *a: good_adamw_step(*a)[0], "return a tuple"),
    ],
)
def test_adamw_step_rejects_a_typical_mistake_with_its_hint(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        ch6.adamw_step(wrong)


def test_adamw_step_says_when_the_exercise_is_unfinished():
    def my_adamw_step(w, grad, m, v, t, lr, weight_decay):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailed, match="still raises NotImplementedError"):
        ch6.adamw_step(my_adamw_step)


# ------------------------------------------------------------- collect mode (the grader)
# The classroom grader runs each checker in collect mode and splits the points over its
# cases: an answer right on some cases must get those, whatever fails before them.


def _verdicts(checker, answer):
    from lossviz.checks._core import collect

    outcomes, printed = collect(checker, answer)
    return [o.passed for o in outcomes], [o.message for o in outcomes], printed


def test_soft_threshold_grades_each_case_on_its_own():
    assert _verdicts(ch6.soft_threshold, good_soft_threshold)[0] == [True] * 4
    hard = lambda v, tau: np.where(np.abs(v) > tau, v, 0.0)  # noqa: E731
    passed, messages, printed = _verdicts(ch6.soft_threshold, hard)
    # hard thresholding is right for tau = 0 and for a threshold above every |v_j|
    assert passed == [False, True, False, True] and printed == ""
    assert "hard thresholding" in messages[0] and "hard thresholding" in messages[2]


def test_giou_grades_each_case_on_its_own_even_after_an_error():
    def one_pair_only(boxes, targets):
        if len(boxes) > 1:
            raise IndexError("only one pair handled")
        return good_giou(boxes, targets)

    assert _verdicts(ch6.giou, good_giou)[0] == [True] * 4
    passed, messages, _ = _verdicts(ch6.giou, one_pair_only)
    assert passed == [True, True, False, False]
    assert "IndexError" in messages[2] and "came from your function" in messages[2]


def test_adamw_step_grades_each_step_on_its_own():
    def not_a_tuple_late(w, grad, m, v, t, lr, weight_decay):
        result = good_adamw_step(w, grad, m, v, t, lr, weight_decay)
        return result if t <= 2 else result[0]

    assert _verdicts(ch6.adamw_step, good_adamw_step)[0] == [True] * 4
    passed, messages, _ = _verdicts(ch6.adamw_step, not_a_tuple_late)
    assert passed == [True, False, False, True]  # the cases have t = 1, 3, 7, 2
    assert "return a tuple" in messages[1]
    passed, messages, _ = _verdicts(ch6.adamw_step, l2_adam_step)
    assert passed == [False, False, True, False]  # weight_decay = 0 is plain Adam
    assert "Adam with an L2 penalty" in messages[0]
