"""lossviz: the helper package of the loss-functions textbook.

Modules
-------
losses
    Every loss as a callable with an analytic ``.grad`` and a registry of metadata.
widgets
    Slider figures: live ipywidgets in Jupyter, a kernel-free slider on the website.
"""

__version__ = "0.1.0"
