"""ember.nn.functional (torch.nn.functional): re-exports the ops of ember/nn/_functional/*.

Each family lives in its own file (activation, linear, dropout, loss, conv, pooling,
normalization, sparse, misc), with its ops' forward and backward side by side.
"""
from ._functional.linear import *  # noqa: F401,F403
from ._functional.activation import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.misc import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
