"""leodesk.qt: the app's QObjects (services, workers, item models); no widgets.

Loading this package makes PySide6's check of every later import cheap when PySide6 is loaded
already (see :mod:`leodesk.qt.import_check`): the app's modules load after it.
"""

from leodesk.qt.import_check import lighten_feature_check

lighten_feature_check()
