package emit

import _ "embed"

// MockStub is the source written for each mocked module, as
// "<module path>/__init__.py" for a package and "<module path>.py" otherwise.
// Looking up any attribute of the module gives a MockedObject named
// "<module>.<attribute>"; using that object raises NotImplementedError. It is
// byte for byte the stub torch's PackageExporter writes.
const MockStub = "from _mock import MockedObject\n" +
	"def __getattr__(attr: str):\n" +
	"    return MockedObject(__name__ + '.' + attr, _suppress_err=True)\n"

// MockModule is the source of "_mock.py", written once at the archive's root
// when any module is mocked. It defines MockedObject, which refuses every
// special method torch's own _mock.py refuses, with torch's message
// ("Object '<name>' was mocked out during packaging but it is being used in
// <method>"). The text is pkgbuild's own, not a copy of torch's file.
//
// Callers must not modify it.
//
//go:embed _mock.py
var MockModule []byte

// MockModulePath is the record name of MockModule.
const MockModulePath = "_mock.py"
