"""ember.nn: modules, parameters, functional API, init, utils (torch.nn)."""
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import (Module, Sequential, ModuleList, ModuleDict, ParameterList,  # noqa: F401
                      ParameterDict)
from . import functional, init, utils  # noqa: F401
from . import parallel  # noqa: F401
from .parallel import DataParallel  # noqa: F401
