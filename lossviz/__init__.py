"""lossviz: the helper package of the loss-functions textbook.

Modules
-------
losses
    Every loss as a callable with an analytic ``.grad``, PyTorch's argument order and
    reductions, and a registry of metadata (formula, gradient, task, convexity,
    PyTorch / Keras / scikit-learn names).
data
    Small seeded toy data sets made in code (no downloads).
surface
    Loss values over 2-D parameter grids, memory-bounded, exact where a closed form
    or a sorted-prefix-sum method exists.
plot
    Contours, 3-D surfaces, gradient arrows, descent paths, loss-versus-residual and
    loss-versus-margin curves (matplotlib), in the house style of ``style``.
optim
    Gradient descent, momentum and Adam, returning the path for plotting.
widgets
    Slider figures: live ipywidgets in Jupyter, a kernel-free slider on the website.
appendix
    The figures and text of the appendix catalogue of losses, read from the registry.
checks
    The exercise checkers students call; ``classroom`` builds student versions and grades.
"""

__version__ = "0.1.0"
