package pick

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/btstream/btstream/torrentutil/source"
)

// ErrNoVideo means no file fits: no playable video, or nothing matches the
// choice. Pick's errors that are ErrNoVideo are *NoVideoError.
var ErrNoVideo = errors.New("no playable video file")

// Reason says why Pick found no file.
type Reason int

const (
	// NoPlayable: with no choice, no file is a non-empty video.
	NoPlayable Reason = iota
	// NoSuchIndex: the choice is an index no file has.
	NoSuchIndex
	// EmptyIndex: the choice is the index of an empty file.
	EmptyIndex
	// NoMatch: the choice is a pattern no non-empty file matches.
	NoMatch
)

func (r Reason) String() string {
	switch r {
	case NoPlayable:
		return "no playable file"
	case NoSuchIndex:
		return "no such index"
	case EmptyIndex:
		return "empty file"
	case NoMatch:
		return "no match"
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// NoVideoError is Pick's failure as data: why, the choice it was given, and
// every file there was to choose from. It is ErrNoVideo (errors.Is); the
// words for people are the caller's.
type NoVideoError struct {
	Reason Reason
	Sel    string             // the choice: "", an index or a pattern
	Files  []source.FileEntry // all the files Pick was given
}

func (e *NoVideoError) Error() string {
	return fmt.Sprintf("%v: %v (choice %q, %d files)", ErrNoVideo, e.Reason, e.Sel, len(e.Files))
}

// Is reports whether target is ErrNoVideo.
func (e *NoVideoError) Is(target error) bool { return target == ErrNoVideo }

func noVideo(files []source.FileEntry, sel string, why Reason) error {
	return &NoVideoError{Reason: why, Sel: sel, Files: files}
}
