package reader

import "strings"

// The globals a pickle should never import: calling them (REDUCE, BUILD,
// NEWOBJ, INST or OBJ do) runs commands, evaluates code, imports modules,
// loads other pickles, touches files or opens connections.
//
// Sources, read in November 2025:
//
//   - picklescan (github.com/mmaitre314/picklescan), src/picklescan/scanner.py,
//     _unsafe_globals, at commit 05c3514d: a module either with "*" (any
//     name) or with a set of names. Every entry is here.
//   - fickling (github.com/trailofbits/fickling), fickling/fickle.py,
//     UNSAFE_IMPORTS, at commit 002cbb03: whole modules, plus all of
//     builtins except SAFE_BUILTINS (type constructors and pure functions).
//
// Differences from those lists, on purpose:
//
//   - builtins: the callables both lists name (eval, exec, compile, open,
//     getattr, breakpoint, apply) and the rest of what fickling keeps out
//     of SAFE_BUILTINS that can reach code or the namespace (setattr,
//     delattr, __import__, globals, locals, vars, input, execfile, exit,
//     quit, memoryview). Other builtins (set, slice, frozenset, the
//     exception types) appear in ordinary torch pickles and are not
//     flagged, where fickling flags every builtin not on its safe list.
//   - functools and operator: picklescan's names (partial; attrgetter,
//     itemgetter, methodcaller) plus functools.reduce and operator.call,
//     which call their argument; fickling flags both whole modules.
//   - fickling's modules that only read harmless information or that
//     ordinary objects pickle through are left out: logging (a Logger
//     pickles as logging.getLogger), uuid (uuid.UUID pickles as itself),
//     platform, difflib, linecache, glob, fileinput and filecmp.
//   - Added, from neither list: torch.load and torch.jit.load, which load
//     another file as picklescan's torch.serialization.load does. Not
//     added: numpy.load (on picklescan's to-do list) and copyreg; EXT
//     opcodes, which import through copyreg's registry, are reported as
//     unresolvable instead.
//
// A module listed with "*" also covers its submodules (os.path, ctypes.util,
// http.client), as in picklescan.

// danger is why a global is dangerous.
type danger struct {
	names map[string]bool // nil: every name
	why   string
}

func names(ns ...string) map[string]bool {
	m := make(map[string]bool, len(ns))
	for _, n := range ns {
		m[n] = true
	}
	return m
}

var (
	dangerBuiltins = danger{names(
		"eval", "exec", "execfile", "compile", "apply", "open", "input", "breakpoint",
		"getattr", "setattr", "delattr", "__import__", "globals", "locals", "vars",
		"exit", "quit", "memoryview",
	), "evaluates code, imports, opens files or reaches any attribute"}
	shell   = "runs commands or replaces the process"
	code    = "runs Python code"
	imports = "imports modules or loads code"
	nested  = "deserializes more data, which can run code"
	network = "opens network connections or servers"
	files   = "creates, changes or removes files"
	procs   = "controls processes, threads, signals or memory"
)

var dangerous = map[string]danger{
	// builtins, by every name a pickle can use for the module.
	"builtins":     dangerBuiltins,
	"__builtin__":  dangerBuiltins,
	"__builtins__": dangerBuiltins,

	// Commands and processes.
	"os":                 {nil, shell},
	"posix":              {nil, shell},
	"nt":                 {nil, shell},
	"subprocess":         {nil, shell},
	"_posixsubprocess":   {nil, shell},
	"commands":           {nil, shell},
	"popen2":             {nil, shell},
	"pty":                {nil, shell},
	"pexpect":            {nil, shell},
	"pipes":              {nil, shell},
	"multiprocessing":    {nil, shell},
	"_osx_support":       {nil, shell},
	"_aix_support":       {nil, shell},
	"webbrowser":         {nil, "opens URLs with a browser or a command"},
	"sys":                {nil, "reaches the interpreter's state (modules, hooks, exit)"},
	"ctypes":             {nil, "calls native code and writes memory"},
	"_ctypes":            {nil, "calls native code and writes memory"},
	"signal":             {nil, procs},
	"_signal":            {nil, procs},
	"threading":          {nil, procs},
	"_thread":            {nil, procs},
	"atexit":             {nil, procs},
	"mmap":               {nil, procs},
	"gc":                 {nil, "reaches every live object"},
	"select":             {nil, network},
	"selectors":          {nil, network},
	"_interpreters":      {nil, code},
	"_xxsubinterpreters": {nil, code},

	// Code.
	"runpy":      {nil, code},
	"code":       {nil, code},
	"codeop":     {nil, code},
	"types":      {nil, "builds functions and code objects"},
	"inspect":    {nil, "reaches frames and any attribute"},
	"doctest":    {nil, code},
	"pdb":        {nil, code},
	"bdb":        {nil, code},
	"timeit":     {nil, code},
	"trace":      {nil, code},
	"cProfile":   {nil, code},
	"profile":    {nil, code},
	"pydoc":      {nil, "imports modules by name and runs a pager command"},
	"idlelib":    {nil, code},
	"lib2to3":    {nil, code},
	"unittest":   {nil, code},
	"test":       {nil, code},
	"site":       {nil, imports},
	"compileall": {nil, files},
	"py_compile": {nil, files},

	// Imports.
	"importlib":                  {nil, imports},
	"_frozen_importlib":          {nil, imports},
	"_frozen_importlib_external": {nil, imports},
	"_imp":                       {nil, imports},
	"imp":                        {nil, imports},
	"pkgutil":                    {nil, imports},
	"zipimport":                  {nil, imports},
	"pip":                        {nil, "installs packages"},
	"ensurepip":                  {nil, "installs packages"},
	"venv":                       {nil, "creates environments and runs commands"},
	"distutils":                  {nil, files},

	// Nested deserialization.
	"pickle":      {nil, nested},
	"_pickle":     {nil, nested},
	"cPickle":     {nil, nested},
	"marshal":     {nil, nested},
	"dill":        {nil, nested},
	"cloudpickle": {nil, nested},
	"joblib":      {nil, nested},
	"shelve":      {nil, nested},

	// Files.
	"shutil":   {nil, files},
	"tempfile": {nil, files},
	"tarfile":  {nil, files},
	"zipfile":  {nil, files},
	"sqlite3":  {nil, files},
	"_sqlite3": {nil, files},
	"syslog":   {nil, files},

	// Network.
	"socket":       {nil, network},
	"_socket":      {nil, network},
	"ssl":          {nil, network},
	"socketserver": {nil, network},
	"http":         {nil, network},
	"httplib":      {nil, network},
	"urllib":       {nil, network},
	"urllib2":      {nil, network},
	"requests":     {nil, network},
	"aiohttp":      {nil, network},
	"asyncio":      {nil, "runs coroutines and opens connections"},
	"smtplib":      {nil, network},
	"imaplib":      {nil, network},
	"ftplib":       {nil, network},
	"poplib":       {nil, network},
	"telnetlib":    {nil, network},
	"nntplib":      {nil, network},
	"xmlrpc":       {nil, network},

	// Single callables that call what they are given.
	"functools": {names("partial", "reduce"), "calls the callable it is given"},
	"operator":  {names("attrgetter", "itemgetter", "methodcaller", "call"), "reaches any attribute or calls any method"},
	"_operator": {names("attrgetter", "itemgetter", "methodcaller", "call"), "reaches any attribute or calls any method"},

	// numpy.
	"numpy.f2py":                   {nil, code},
	"numpy.testing._private.utils": {nil, code},

	// torch: callables that run code or load other files.
	"torch.serialization":                      {names("load"), nested},
	"torch":                                    {names("load"), nested},
	"torch.jit":                                {names("load"), nested},
	"torch._inductor.codecache":                {names("compile_file"), shell},
	"torch._dynamo.guards":                     {names("GuardBuilder.get"), code},
	"torch.fx.experimental.symbolic_shapes":    {names("ShapeEnv.evaluate_guards_expression"), code},
	"torch.jit.unsupported_tensor_ops":         {names("execWrapper"), code},
	"torch.utils._config_module":               {names("ConfigModule.load_config"), nested},
	"torch.utils.bottleneck.__main__":          {names("run_cprofile", "run_autograd_prof"), code},
	"torch.utils.collect_env":                  {names("run"), shell},
	"torch.utils.data.datapipes.utils.decoder": {names("basichandlers"), nested},
}

// Dangerous reports why a pickle's import of module.name is dangerous, or
// "" when it is not on the list. A module listed whole covers its
// submodules; a name covers its attributes ("InteractiveInterpreter" covers
// "InteractiveInterpreter.runcode").
func Dangerous(module, name string) string {
	for m := module; ; {
		if d, ok := dangerous[m]; ok {
			if d.names == nil {
				return d.why
			}
			if m == module {
				for n := name; ; {
					if d.names[n] {
						return d.why
					}
					i := strings.LastIndexByte(n, '.')
					if i < 0 {
						break
					}
					n = n[:i]
				}
			}
		}
		i := strings.LastIndexByte(m, '.')
		if i < 0 {
			return ""
		}
		m = m[:i]
	}
}
