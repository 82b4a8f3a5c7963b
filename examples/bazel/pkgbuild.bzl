"""pkgbuild_package: a torch.package archive built by pkgbuild, as a Bazel action.

The action is hermetic, so Bazel may sandbox it, cache it and run it remotely:

  * its inputs are exactly the manifest and srcs (and the pkgbuild binary):
    pkgbuild reads only the manifest and files below its roots, and in Bazel's
    sandbox (or on a remote executor) a file that is not in srcs is not there,
    so pkgbuild reports its module missing instead of reading it from the
    source tree behind Bazel's back;
  * its output is exactly `out`, byte-for-byte the same for the same inputs
    (sorted entries, fixed timestamps and modes, no absolute paths);
  * pkgbuild's own cache is off (PKGBUILD_CACHE=off): Bazel is the cache, and
    nothing is read from or written to the user's home directory;
  * it uses no network and no Python interpreter: pkgbuild never runs the code
    it packages.
"""

def pkgbuild_package(
        name,
        manifest,
        srcs,
        out = None,
        parents = None,
        tool = "//tools:pkgbuild",
        **kwargs):
    """Builds a torch.package archive from a pkgbuild manifest.

    Args:
      name: the target's name.
      manifest: the pkgbuild.toml (a label). Its roots, resources and pickles
        are relative to its folder, as when pkgbuild runs by hand.
      srcs: every file the manifest reaches: the Python sources below its
        roots, resources and pickles. glob(["src/**"]) is the usual value.
      out: the archive's file name; default NAME.pt. Its stem is the archive's
        top folder, as for `pkgbuild build -o`.
      parents: "intern" or "torch", to override the manifest's `parents`.
      tool: the pkgbuild binary (a label).
      **kwargs: common attributes (visibility, tags, testonly, ...).
    """
    if out == None:
        out = name + ".pt"
    flags = ""
    if parents != None:
        flags = " --parents " + parents
    native.genrule(
        name = name,
        srcs = [manifest] + srcs,
        outs = [out],
        tools = [tool],
        # $(location ...) paths are relative to the execution root, so the
        # command line, and with it the action's cache key, names no
        # absolute path. pkgbuild's stdout (the digest line) is dropped, so a
        # successful build is quiet; its errors and warnings go to stderr.
        cmd = "PKGBUILD_CACHE=off $(location %s) build -m $(location %s) -o $@%s >/dev/null" % (tool, manifest, flags),
        message = "pkgbuild %s" % out,
        **kwargs
    )
