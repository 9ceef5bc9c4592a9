"""functional_call: run a module with some parameters/buffers temporarily replaced."""
import contextlib
import warnings

__all__ = ['functional_call']


def _untie_named_tensors_map(module, parameters_and_buffers):
    all_named_tensors = {}
    all_named_tensors.update(module.named_parameters(remove_duplicate=False))
    all_named_tensors.update(module.named_buffers(remove_duplicate=False))
    tensor_to_tied_names = {}
    for name, t in all_named_tensors.items():
        tensor_to_tied_names.setdefault(id(t), set()).add(name)
    tied_names_map = {}
    for tied_names in tensor_to_tied_names.values():
        if len(tied_names) > 1:
            for tied_name in tied_names:
                tied_names_map[tied_name] = tied_names
    given_names = set(parameters_and_buffers.keys())
    given_tied = {n for n in given_names if n in tied_names_map}
    for given_name in given_tied:
        tied_names = tied_names_map[given_name]
        if len(tied_names & given_tied) > 1 and \
                len({id(parameters_and_buffers[n]) for n in tied_names if n in parameters_and_buffers}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied_names)}, which "
                             "are tied. Consider using tie_weights=False")
    untied = dict(parameters_and_buffers)
    for given_name in given_tied:
        for tied_name in tied_names_map[given_name]:
            untied[tied_name] = parameters_and_buffers[given_name]
    return untied


def _swap(module, name, value):
    """Put ``value`` at dotted ``name`` (bypassing the Parameter type check); return the old one."""
    prefix, _, attr = name.rpartition('.')
    mod = module.get_submodule(prefix)
    if attr in mod._parameters:
        old = mod._parameters[attr]
        mod._parameters[attr] = value
    elif attr in mod._buffers:
        old = mod._buffers[attr]
        mod._buffers[attr] = value
    else:
        old = getattr(mod, attr, _MISSING)
        if value is _MISSING:
            delattr(mod, attr)
        else:
            setattr(mod, attr, value)
    return old


_MISSING = object()


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers, tie_weights=False, strict=False):
    if tie_weights:
        untied = _untie_named_tensors_map(module, parameters_and_buffers)
    else:
        untied = parameters_and_buffers
    if strict:
        all_keys = {k for k, _ in module.named_parameters(remove_duplicate=False)}
        all_keys |= {k for k, _ in module.named_buffers(remove_duplicate=False)}
        given = set(untied.keys())
        missing_keys = sorted(all_keys - given)
        unexpected_keys = sorted(given - all_keys)
        error_msgs = []
        if unexpected_keys:
            error_msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected_keys))}.")
        if missing_keys:
            error_msgs.append(f"Missing key(s): {', '.join(map(repr, missing_keys))}.")
        if error_msgs:
            raise RuntimeError('Error(s) in reparametrizing for {}:\n\t{}'.format(
                module._get_name(), '\n\t'.join(error_msgs)))
    orig = {}
    try:
        for name, value in untied.items():
            orig[name] = _swap(module, name, value)
        yield
    finally:
        for name, value in reversed(list(orig.items())):
            _swap(module, name, value)


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True,
                    strict=False):
    """Call ``module(*args, **kwargs)`` with the named parameters/buffers replaced (deprecated in
    torch in favor of torch.func.functional_call, which is ``_functional_call`` here)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be "
                  "removed in a future version of PyTorch. Please use `torch.func.functional_call` instead "
                  "which is a drop-in replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights,
                            strict=strict)


def _functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True,
                     strict=False):
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)
