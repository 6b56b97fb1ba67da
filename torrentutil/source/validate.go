package source

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/anacrolix/torrent/metainfo"
)

// Limits on metainfo from strangers: each protects the machine, and
// nothing legitimate comes near them. The number of files has no limit of
// its own: the 16 MiB info bounds it (some 300,000 files with short
// names), and nothing btstream does costs more than a little per file.
const (
	maxPieceLength = 64 << 20
	maxTotal       = 1 << 50
	maxComponent   = 255
	maxPath        = 4096
	// maxPieces is how many SHA-1 hashes fit in the 16 MiB info the
	// library accepts (maxMetadataSize in anacrolix/torrent global.go).
	maxPieces = 16 << 20 / 20
)

var errV2Only = errors.New("v2-only torrents are not supported (v1.61 limitation); use a hybrid or v1 torrent")

// ValidateInfo checks metainfo from strangers before anything uses it: the
// library, the storage or the file picker. The v2-only check comes first
// because anacrolix/torrent v1.61.0 panics on a zero v1 infohash. The rest
// makes sure that every file lands at a distinct path inside the data
// folder on every operating system, and that no length or count can make
// the library index out of range or divide by zero. Files whose paths
// differ only in case are refused: they would share one file on macOS and
// Windows and corrupt each other. The error wraps ErrBadSource.
func ValidateInfo(info *metainfo.Info) error {
	if err := checkInfo(info); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	return nil
}

func checkInfo(info *metainfo.Info) error {
	if !info.HasV1() {
		return errV2Only
	}
	pl := info.PieceLength
	switch {
	case pl <= 0:
		return fmt.Errorf("piece length is %d", pl)
	case pl > maxPieceLength:
		return fmt.Errorf("piece length %d is over 64 MiB", pl)
	case len(info.Pieces)%20 != 0:
		return fmt.Errorf("pieces field is %d bytes, not a multiple of 20", len(info.Pieces))
	case info.Length != 0 && len(info.Files) != 0:
		return errors.New("info has both length and files")
	}
	if err := checkName(info); err != nil {
		return err
	}
	v1Total, err := checkV1Files(info)
	if err != nil {
		return err
	}
	want := (v1Total + pl - 1) / pl
	have := int64(len(info.Pieces) / 20)
	if want > maxPieces {
		return fmt.Errorf("torrent claims %d pieces; at most %d fit in a 16 MiB info", want, maxPieces)
	}
	if want != have {
		return fmt.Errorf("piece count %d is inconsistent with total length %d (%d pieces of %d bytes)", have, v1Total, want, pl)
	}
	if info.HasV2() {
		// Hybrid: the library takes the file list and piece count from the v2
		// file tree, and the hashes from the v1 pieces; they must agree.
		if err := checkFileTree(info); err != nil {
			return err
		}
		if n := info.NumPieces(); int64(n) != have {
			return fmt.Errorf("v2 file tree needs %d pieces but v1 has %d", n, have)
		}
	}
	return checkPaths(info)
}

// checkName checks the torrent name, which is the file name of a
// single-file torrent and the top directory of a multi-file one.
func checkName(info *metainfo.Info) error {
	if err := checkComponent(info.BestName(), true); err != nil {
		return fmt.Errorf("torrent name: %w", err)
	}
	if info.NameUtf8 != "" && info.Name != "" {
		if err := checkComponent(info.Name, true); err != nil {
			return fmt.Errorf("torrent name: %w", err)
		}
	}
	return nil
}

// checkV1Files checks lengths and path components of the v1 file list
// (padding files included, as they take space in the pieces) and returns
// the v1 total length.
func checkV1Files(info *metainfo.Info) (int64, error) {
	if len(info.Files) == 0 {
		if info.Length < 0 || info.Length > maxTotal {
			return 0, fmt.Errorf("length %d is out of range", info.Length)
		}
		return info.Length, nil
	}
	var total int64
	for i, fi := range info.Files {
		if fi.Length < 0 || fi.Length > maxTotal-total {
			return 0, fmt.Errorf("file %d: length %d is out of range (total must stay under 1 PiB)", i, fi.Length)
		}
		total += fi.Length
		if len(fi.BestPath()) == 0 {
			return 0, fmt.Errorf("file %d: empty path", i)
		}
		for _, p := range [][]string{fi.Path, fi.PathUtf8} {
			for j, c := range p {
				if err := checkComponent(c, j == 0); err != nil {
					return 0, fmt.Errorf("file %d: %w", i, err)
				}
			}
		}
	}
	return total, nil
}

// checkFileTree checks a v2 file tree before the library walks it: the
// library panics on a pieces root that is not 32 bytes.
func checkFileTree(info *metainfo.Info) error {
	var walk func(path []string, ft *metainfo.FileTree) error
	walk = func(path []string, ft *metainfo.FileTree) error {
		if !ft.IsDir() {
			f := ft.File
			if r := len(f.PiecesRoot); r != 0 && r != 32 {
				return fmt.Errorf("file %q: pieces root is %d bytes, not 32", strings.Join(path, "/"), r)
			}
			if f.Length < 0 || f.Length > maxTotal {
				return fmt.Errorf("file %q: length %d is out of range", strings.Join(path, "/"), f.Length)
			}
			return nil
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range ft.Dir {
				if k != metainfo.FileTreePropertiesKey && !yield(k) {
					return
				}
			}
		}) {
			if err := checkComponent(k, len(path) == 0); err != nil {
				return fmt.Errorf("file tree: %w", err)
			}
			sub := ft.Dir[k]
			if err := walk(append(path, k), &sub); err != nil {
				return err
			}
		}
		return nil
	}
	if !info.FileTree.IsDir() {
		return errors.New("v2 file tree is empty")
	}
	return walk(nil, &info.FileTree)
}

// checkPaths makes sure no two files land on the same path, even on a
// case-insensitive filesystem, and that no file is also a directory of
// another. It checks the paths the storage uses (BestName/BestPath).
// BEP 47 padding files may share a path with each other (".pad/16384" is
// common and they hold only zeros) but not with a real file.
func checkPaths(info *metainfo.Info) error {
	name := info.BestName()
	files := make(map[string]string) // folded path -> path
	pads := make(map[string]string)
	dirs := make(map[string]string) // folded dir -> a file under it
	for fi := range info.UpvertedFilesIter() {
		p := strings.Join(append([]string{name}, fi.BestPath()...), "/")
		if len(p) > maxPath {
			return fmt.Errorf("path %.40q... is longer than %d bytes", p, maxPath)
		}
		key := strings.ToLower(p)
		pad := strings.Contains(fi.Attr, "p")
		other, dup := files[key]
		if !dup && !pad {
			other, dup = pads[key]
		}
		switch {
		case dup && other == p:
			return fmt.Errorf("two files have the path %q", p)
		case dup:
			return fmt.Errorf("files %q and %q differ only in case (they would collide on macOS and Windows)", other, p)
		}
		if other, ok := dirs[key]; ok {
			return fmt.Errorf("%q is both a file and a directory (of %q)", p, other)
		}
		if pad {
			pads[key] = p
		} else {
			files[key] = p
		}
		for i := len(p) - 1; i > 0; i-- {
			if p[i] != '/' {
				continue
			}
			dk := key[:i]
			if _, ok := dirs[dk]; ok {
				break // its parents are in already
			}
			if other, ok := files[dk]; ok {
				return fmt.Errorf("%q is both a file and a directory (of %q)", other, p)
			}
			if other, ok := pads[dk]; ok {
				return fmt.Errorf("%q is both a file and a directory (of %q)", other, p)
			}
			dirs[dk] = p
		}
	}
	return nil
}

// checkComponent checks one path component (or the torrent name).
func checkComponent(c string, first bool) error {
	switch {
	case c == "":
		return errors.New("empty path component")
	case c == "." || c == "..":
		return fmt.Errorf("path component %q", c)
	case strings.IndexByte(c, 0) >= 0:
		return fmt.Errorf("NUL byte in path component %q", c)
	case strings.ContainsAny(c, `/\`):
		return fmt.Errorf("path separator in component %q (absolute or nested path)", c)
	case len(c) > maxComponent:
		return fmt.Errorf("path component %.40q... is %d bytes (at most %d)", c, len(c), maxComponent)
	case first && len(c) >= 2 && c[1] == ':' && ('a' <= c[0]|0x20 && c[0]|0x20 <= 'z'):
		return fmt.Errorf("path starts with a drive letter %q", c[:2])
	}
	return nil
}

// maxDepth bounds bencode nesting. The library's v2 file tree
// decoder re-parses every subtree at every level, so a deep tree costs
// depth×size: a 400 KB chain of nested dictionaries takes minutes.
// A v1 info is 5 deep; 32 leaves room for v2 paths of ~27 components.
const maxDepth = 32

// checkBencode checks, without recursion, that b holds exactly one
// bencoded dictionary nested at most maxDepth deep, followed by
// nothing but ASCII whitespace. It runs before any decoder sees b.
func checkBencode(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty")
	}
	if bytes.HasPrefix(bytes.TrimLeft(b[:min(len(b), 512)], " \t\r\n"), []byte("<")) {
		return errors.New("looks like an HTML page, not a .torrent")
	}
	if b[0] != 'd' {
		return fmt.Errorf("not a .torrent: not bencode (starts with %q)", b[:min(len(b), 8)])
	}
	depth := 0
	i := 0
	for {
		if i >= len(b) {
			return errors.New("truncated")
		}
		switch c := b[i]; {
		case c == 'd' || c == 'l':
			depth++
			if depth > maxDepth {
				return fmt.Errorf("bencode nested deeper than %d levels", maxDepth)
			}
			i++
		case c == 'e':
			if depth == 0 {
				return fmt.Errorf("not bencode: stray 'e' at byte %d", i)
			}
			depth--
			i++
		case c == 'i':
			j := i + 1
			if j < len(b) && b[j] == '-' {
				j++
			}
			start := j
			for j < len(b) && '0' <= b[j] && b[j] <= '9' {
				j++
			}
			if j >= len(b) {
				return errors.New("truncated")
			}
			if b[j] != 'e' || j == start {
				return fmt.Errorf("not bencode: bad integer at byte %d", i)
			}
			i = j + 1
		case '0' <= c && c <= '9':
			n := 0
			j := i
			for j < len(b) && '0' <= b[j] && b[j] <= '9' {
				n = n*10 + int(b[j]-'0')
				if n > len(b) {
					return errors.New("truncated")
				}
				j++
			}
			if j >= len(b) {
				return errors.New("truncated")
			}
			if b[j] != ':' {
				return fmt.Errorf("not bencode: bad string length at byte %d", i)
			}
			if n > len(b)-j-1 {
				return errors.New("truncated")
			}
			i = j + 1 + n
		default:
			return fmt.Errorf("not bencode: unexpected byte %q at %d", c, i)
		}
		if depth == 0 {
			break
		}
	}
	if len(bytes.TrimSpace(b[i:])) != 0 {
		return fmt.Errorf("%d bytes of garbage after the torrent", len(b)-i)
	}
	return nil
}
