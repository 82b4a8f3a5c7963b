package emit

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Modes of everything Write creates, set explicitly so the umask cannot change them.
const (
	fileMode = 0o644
	dirMode  = 0o755
)

// TopFolder returns the top folder torch's writer uses for an archive written
// to the file out: the base name after the last '/' or '\', minus everything
// from its last '.' ("out/my.model.pt" -> "my.model", "noext" -> "noext").
// Like torch it refuses an empty result (".hidden", "dir/"). Unlike torch it
// also refuses "." and ".." ("..pt", "...").
func TopFolder(out string) (string, error) {
	base := out[strings.LastIndexAny(out, `/\`)+1:]
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if base == "" {
		return "", fmt.Errorf("output %q: the top folder would be empty (torch uses the file's base name minus its extension)", out)
	}
	if err := checkTop(base); err != nil {
		return "", fmt.Errorf("output %q: %w", out, err)
	}
	return base, nil
}

// Write writes recs to out atomically and returns the SHA-256 of the archive.
//
// If out names a file, the archive (see WriteZip; top folder from TopFolder)
// is written to a temporary file beside it, created with mode 0644, and
// renamed over out. If out ends with a path separator, the records are
// written instead as the unzipped tree torch's DirectoryReader loads
// (PackageImporter("out")): out/.data/version, out/pkg/mod.py, ...; files
// 0644 and folders 0755, built in a temporary sibling folder and
// swapped in by rename, the previous tree being removed after the swap. The
// digest is then the one of the zip Write would have written with the
// folder's base name as top folder, computed from the same single read of
// every record.
//
// On any error the previous output, or none, is left in place, never a
// partial one, and the temporary file or folder is removed; the one
// exception is a failure to delete the previous tree after the swap, when
// the new tree is in place and the error says so. The parent folder of out
// must exist.
//
// Nothing is fsynced. A process killed at any moment leaves the old output
// or the new one, since the rename is atomic; only a crash of the whole
// machine can lose written data, and an archive is rebuilt, not recovered:
// pkgbuild's action cache checks an output's fingerprint or hash before it
// trusts it. Compilers, linkers, Go's build cache and ninja do the same,
// and for the same reason: a sync costs more than the rest of a build (on
// this project's CI machine, a cold build of sympy's 30 MB archive took
// 1.1 s with the sync and 0.5 s without).
func Write(out string, recs []Record) (digest [32]byte, err error) {
	digest, _, err = WriteReusing(out, recs, nil)
	return digest, err
}

// checkParent reports whether dir exists and is a folder.
func checkParent(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("parent directory %s does not exist", dir)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("parent %s is not a directory", dir)
	}
	return nil
}

func writeFile(out string, recs []Record, reuse *Reuse) (digest [32]byte, layout Layout, err error) {
	top, err := TopFolder(out)
	if err != nil {
		return digest, layout, err
	}
	if err := checkRecords(top, recs, false); err != nil {
		return digest, layout, err
	}
	dir := filepath.Dir(out)
	if err := checkParent(dir); err != nil {
		return digest, layout, err
	}
	if fi, err := os.Lstat(out); err == nil && fi.IsDir() {
		return digest, layout, errors.New("it is a directory; end the path with a separator to write the unzipped tree there")
	}

	f, err := os.CreateTemp(dir, ".pkgbuild-*.tmp")
	if err != nil {
		return digest, layout, err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(fileMode); err != nil {
		return digest, layout, err
	}
	h := sha256.New()
	z := &zipWriter{buf: make([]byte, copyBufSize), entries: &layout.Entries}
	start := 0
	if reuse != nil {
		start, layout.Marks = resume(out, f, h, z, top, recs, reuse)
		if start == 0 {
			h.Reset()
			if err := cmp.Or(f.Truncate(0), seekStart(f)); err != nil {
				return digest, layout, err
			}
		}
	}
	aw := newAsyncWriter(f, h)
	z.w, z.mark = aw, aw.mark
	werr := z.writeRecords(top, recs[start:], nil)
	if err := cmp.Or(werr, aw.Close()); err != nil {
		return digest, layout, err
	}
	if err := f.Close(); err != nil {
		return digest, layout, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return digest, layout, err
	}
	copy(digest[:], h.Sum(nil))
	layout.Size, layout.Cdir, layout.Reused = z.off, z.cdOfs, start
	layout.Marks = append(layout.Marks, aw.marks...)
	return digest, layout, nil
}

func seekStart(f *os.File) error {
	_, err := f.Seek(0, io.SeekStart)
	return err
}

func writeTree(out string, recs []Record) (digest [32]byte, err error) {
	root := filepath.Clean(out)
	top := filepath.Base(root)
	if top == "." || top == ".." || top == string(filepath.Separator) {
		return digest, errors.New("name a folder to write the unzipped tree into")
	}
	if err := checkRecords(top, recs, true); err != nil {
		return digest, err
	}
	parent := filepath.Dir(root)
	if err := checkParent(parent); err != nil {
		return digest, err
	}
	old, err := os.Lstat(root)
	switch {
	case err == nil && !old.IsDir():
		return digest, errors.New("it exists and is not a directory")
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return digest, err
	}
	exists := err == nil

	tmp, err := os.MkdirTemp(parent, ".pkgbuild-*.tmp")
	if err != nil {
		return digest, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	t := &tree{root: tmp, made: map[string]bool{"": true}}
	if err := os.Chmod(tmp, dirMode); err != nil {
		return digest, err
	}
	h := sha256.New()
	aw := newAsyncWriter(nil, h)
	werr := writeZip(aw, top, recs, t.create)
	if err := cmp.Or(werr, aw.Close()); err != nil {
		return digest, err
	}

	if !exists {
		if err := os.Rename(tmp, root); err != nil {
			return digest, err
		}
	} else {
		// Move the old tree aside into a fresh folder, put the new one in
		// its place, then delete the old one.
		trash, err := os.MkdirTemp(parent, ".pkgbuild-*.old")
		if err != nil {
			return digest, err
		}
		aside := filepath.Join(trash, "old")
		if err := os.Rename(root, aside); err != nil {
			os.Remove(trash)
			return digest, err
		}
		if err := os.Rename(tmp, root); err != nil {
			os.Rename(aside, root)
			os.Remove(trash)
			return digest, err
		}
		if err := os.RemoveAll(trash); err != nil {
			return digest, fmt.Errorf("new tree is in place, but removing the previous one failed: %w", err)
		}
	}
	copy(digest[:], h.Sum(nil))
	return digest, nil
}

// tree creates the files of an unzipped archive below root.
type tree struct {
	root string
	made map[string]bool // slash folders already created, relative to root
}

// create makes the file for record name, and its folders, with fixed modes.
func (t *tree) create(name string) (io.WriteCloser, error) {
	for i := 0; i < len(name); i++ {
		if name[i] != '/' || t.made[name[:i]] {
			continue
		}
		d := filepath.Join(t.root, filepath.FromSlash(name[:i]))
		if err := os.Mkdir(d, dirMode); err != nil {
			return nil, err
		}
		if err := os.Chmod(d, dirMode); err != nil {
			return nil, err
		}
		t.made[name[:i]] = true
	}
	f, err := os.OpenFile(filepath.Join(t.root, filepath.FromSlash(name)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
