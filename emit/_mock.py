"""Placeholders for modules left out of this package on purpose ("mocked").

Each mocked module's source is a stub whose module-level __getattr__ returns
MockedObject(<module>.<attribute>, _suppress_err=True), so importing the
module and looking names up on it always works. Using what comes back does
not: calling it, indexing, iterating, comparing, hashing, converting,
arithmetic, copying and pickling all raise NotImplementedError, naming the
object and the special method involved. Creating a MockedObject any other
way (which is what unpickling an object of a mocked class amounts to) fails
the same way.

This file was written for pkgbuild; it behaves as torch.package's _mock.py.
"""

__all__ = ["MockedObject"]

# Every special method a MockedObject refuses, by protocol.
_REFUSED_METHODS = (
    # calls, attributes, introspection
    "__call__", "__getattr__", "__setattr__", "__delattr__", "__dir__",
    "__sizeof__", "__instancecheck__", "__subclasscheck__",
    # containers
    "__len__", "__iter__", "__reversed__", "__contains__",
    "__getitem__", "__setitem__", "__delitem__",
    # comparison and hashing
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__cmp__",
    "__hash__",
    # truth value and conversions
    "__bool__", "__nonzero__", "__int__", "__long__", "__float__",
    "__complex__", "__index__", "__bytes__", "__unicode__", "__hex__",
    "__oct__", "__round__", "__trunc__", "__floor__", "__ceil__",
    # unary arithmetic
    "__neg__", "__pos__", "__abs__", "__invert__",
    # binary arithmetic
    "__add__", "__sub__", "__mul__", "__div__", "__truediv__",
    "__floordiv__", "__mod__", "__divmod__", "__pow__", "__lshift__",
    "__rshift__", "__and__", "__or__", "__xor__",
    # reflected arithmetic
    "__rmul__", "__rdivmod__", "__rrshift__", "__rand__",
    # in-place arithmetic
    "__iadd__", "__isub__", "__imul__", "__idiv__", "__itruediv__",
    "__ifloordiv__", "__imod__", "__ipow__", "__ilshift__", "__irshift__",
    "__iand__", "__ior__", "__ixor__",
    # context managers
    "__enter__", "__exit__",
    # copying and pickling
    "__copy__", "__deepcopy__", "__reduce__", "__getstate__",
)


def _refusal(name, method):
    return NotImplementedError(
        f"Object '{name}' was mocked out during packaging "
        f"but it is being used in {method}"
    )


class MockedObject:
    """Stands for the attribute `_name` of a module that was mocked out."""

    _name: str

    def __new__(cls, *args, **kwargs):
        if kwargs.get("_suppress_err"):
            return super().__new__(cls)
        # Unpickling an object whose class was mocked calls __new__ on the
        # MockedObject standing for that class, so "cls" may be an instance.
        name = vars(cls).get("_name")
        if name is None:
            name = args[0] if args else kwargs.get("name", "<unknown>")
        raise NotImplementedError(
            f"Object '{name}' was mocked out during packaging but it is being "
            "used in '__new__'. If this happens in load_pickle, the pickled "
            "object refers to something from a mocked module: intern or "
            "extern that module instead of mocking it."
        )

    def __init__(self, name, _suppress_err):
        # __setattr__ is refused below, so store the name directly.
        self.__dict__["_name"] = name

    def __repr__(self):
        return f"MockedObject({self._name})"


def _install_refusal(method):
    def refuse(self, *args, **kwargs):
        raise _refusal(self._name, method)

    refuse.__name__ = method
    refuse.__qualname__ = f"MockedObject.{method}"
    setattr(MockedObject, method, refuse)


for _method in _REFUSED_METHODS:
    _install_refusal(_method)
del _method
