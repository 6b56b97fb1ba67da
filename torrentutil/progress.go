package torrentutil

import (
	"context"
	"time"

	"github.com/btstream/btstream/torrentutil/plan"
)

// StartRule says what a file's consumer needs first, and when playback may
// start.
type StartRule struct {
	// Want is the amount from the start of the file that always suffices,
	// about 1% of the file by default.
	Want int64
	// Exact means Want was asked for explicitly (--buffer): wait for all of
	// it, never start earlier.
	Exact bool
	// NoIndex means the consumer reads the file in order and never asks for
	// the container's index (a pipe): it is not fetched first.
	NoIndex bool
	// From is where playback starts, a byte offset: the start buffer is
	// the Want bytes from there (a resumed film).
	From int64
}

// Prioritize marks the file as the one to stream: its torrent's scheduler
// fetches its index first (MP4 moov, Matroska Cues, read from the first
// bytes; see media.Locate), then the start buffer of rule.Want bytes, then
// the rest of the file in order in the background, around the windows of
// its read heads. Without Prioritize a file gets the windows of its read
// heads alone.
func (f *File) Prioritize(rule StartRule) {
	f.mu.Lock()
	f.rule, f.primed = rule, true
	f.mu.Unlock()
	f.t.poke()
}

// Progress is a snapshot of a file's download, for the start rule and the
// status line.
type Progress struct {
	Buffered int64 // bytes in from the start (StartRule.From) without a gap
	Want     int64 // bytes the start rule asks for from the start
	// IndexDone reports that the index the player reads before its first
	// frame is in and verified (or that there is none).
	IndexDone bool
	// Index is the size of the pieces that hold that index, when the
	// player needs it before its first frame and its place is known (else
	// 0); IndexMissing is the part of them not in yet. With Want and
	// Buffered they make the way to the start.
	Index, IndexMissing int64
	// IndexSkipped reports that IndexDone holds without the index: the
	// file's container is not one btstream reads, so its end was only a
	// guess at where an index might be, and it did not arrive within
	// GuessWait of the start buffer.
	IndexSkipped bool

	Completed int64   // bytes of the file complete, anywhere
	Size      int64   // file size
	Rate      float64 // download rate of the torrent, bytes per second
	Peers     int     // connected peers
	Seeds     int     // connected peers that have everything
	// Ahead is the playback time buffered ahead of the play head, at
	// Bitrate. When the player says where it plays (SetPlay), it is the
	// bytes in without a gap from there. Otherwise it is what the player
	// read and has likely not played yet (as if playback began when its
	// reader last moved) plus the bytes in without a gap after its reader;
	// the play head is then the reader that read last, and before any
	// reader has read, Ahead counts from the start (StartRule.From).
	Ahead time.Duration
	// Play is where the player says it plays, when PlayKnown (SetPlay).
	Play      time.Duration
	PlayKnown bool
	// Bitrate is the estimated playback bitrate in bytes per second: the
	// download rate the stream needs.
	Bitrate float64
	// BitrateKnown reports that Bitrate comes from the file (its
	// container's duration, or the players' reading), not a default.
	BitrateKnown bool
	// Early reports that playback may start before Want (plan.Start): the
	// rule is not Exact, the rate outruns the bitrate, and the index and a
	// margin of playback arrive within the player's start-up.
	Early bool
}

// Ready reports whether the start rule is met: the index is in and Want
// bytes are buffered, or an early start is safe.
func (p Progress) Ready() bool {
	return (p.IndexDone && p.Buffered >= min(p.Want, p.Size)) || p.Early
}

// Progress returns the file's progress against the start rule.
func (f *File) Progress(rule StartRule) Progress {
	now := time.Now()
	t := f.t
	size := f.f.Length()
	from0 := min(max(rule.From, 0), size)
	want := min(max(rule.Want, 0), size-from0)
	s := t.stats()
	hs := f.headStates(now, false)
	bitrate, bsrc := f.bitrate(now, hs)
	// Players read ahead into their own cache: what they read and have not
	// played yet counts, as if playback began when the head last moved.
	from, read := from0, int64(0)
	play, playing := f.Play()
	if playing {
		from = f.OffsetAt(play)
	} else if h, ok := plan.PlayHead(hs); ok {
		from = h.Pos
		read = h.Pos - min(h.Pos, h.StartPos+int64(bitrate*now.Sub(h.Since).Seconds()))
	}
	rate, span := t.rate.Sample(now, s.BytesRead)
	p := Progress{
		Buffered:     f.bufferedFrom(from0, want, false),
		Play:         play,
		PlayKnown:    playing,
		Want:         want,
		Completed:    f.f.BytesCompleted(),
		Size:         size,
		Rate:         rate,
		Peers:        s.Peers,
		Seeds:        s.Seeds,
		Bitrate:      bitrate,
		BitrateKnown: bsrc != plan.BitrateDefault,
	}
	idx, atOpen, known := f.indexSpan()
	missing := t.missing(idx)
	p.IndexDone = known && (!atOpen || t.verified(idx))
	if !p.IndexDone && known && f.guessedIndex() && f.gaveUpGuess(now, p.Buffered >= min(want, size)) {
		p.IndexDone, p.IndexSkipped = true, true
	}
	if known && atOpen {
		p.Index, p.IndexMissing = t.spanBytes(idx), missing
	}
	lookAhead := max(int64(bitrate*plan.WindowDuration.Seconds()), want)
	ahead := f.bufferedFrom(from, lookAhead, true)
	p.Ahead = time.Duration(float64(read+ahead) / bitrate * float64(time.Second))
	st := plan.Start{Rate: rate, RateSpan: span, Bitrate: bitrate, Ahead: read + ahead, ToEnd: from+ahead >= size}
	if atOpen {
		st.IndexMissing = missing
	}
	p.Early = !rule.Exact && known && st.Early()
	return p
}

// GuessWait bounds the start's wait for the end of a file whose container
// btstream does not read (fallbackTail): once the start buffer is in, the
// end is waited for this long, then the player starts without it. Such a
// format may keep its index at the end, but players play it without; and
// if no peer has the end, the film would otherwise never start.
const GuessWait = 5 * time.Second

// guessedIndex reports whether the index the start waits for is a guess:
// the file's end, its container unread.
func (f *File) guessedIndex() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.layout.known && !f.layout.l.Known() && !f.rule.NoIndex && f.isVideo()
}

// gaveUpGuess reports whether GuessWait has passed since the start buffer
// was first seen in (bufferIn), remembering when that was.
func (f *File) gaveUpGuess(now time.Time, bufferIn bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !bufferIn {
		return false
	}
	if f.bufferInAt.IsZero() {
		f.bufferInAt = now
	}
	return now.Sub(f.bufferInAt) >= GuessWait
}

// verified reports whether every piece of s passed its hash check.
func (t *Torrent) verified(s plan.Span) bool {
	for i := s.Begin; i < s.End; i++ {
		if !t.t.PieceState(i).Complete {
			return false
		}
	}
	return true
}

// spanBytes returns the size of the pieces of s.
func (t *Torrent) spanBytes(s plan.Span) int64 {
	var n int64
	for i := s.Begin; i < s.End; i++ {
		n += t.t.Piece(i).Info().Length()
	}
	return n
}

// missing returns the bytes the pieces of s lack: not yet received, or
// received but failed.
func (t *Torrent) missing(s plan.Span) int64 {
	var n int64
	for i := s.Begin; i < s.End; i++ {
		if !t.t.PieceState(i).Complete {
			n += t.t.PieceBytesMissing(i)
		}
	}
	return n
}

// bufferedFrom returns how many bytes from file offset pos on are complete
// without a gap, looking no further than limit bytes. With partial, what
// came of the first piece not complete counts too, as if from its start:
// chunks are asked for in order, and a player reads them as they arrive.
func (f *File) bufferedFrom(pos, limit int64, partial bool) int64 {
	size := f.f.Length()
	if pos >= size || limit <= 0 {
		return 0
	}
	g := f.g
	end := min(size-pos, limit)
	var n int64
	for i := g.Piece(pos); n < end; i++ {
		if !f.t.t.PieceState(i).Complete {
			if !partial {
				break
			}
			got := g.Start(i) + max(0, f.t.t.Piece(i).Info().Length()-f.t.t.PieceBytesMissing(i)) - pos
			n = max(n, got)
			break
		}
		n = g.Start(i+1) - pos
	}
	return min(max(n, 0), size-pos)
}

// WaitReady waits until the start rule holds (Progress.Ready). It returns
// ctx's error when ctx ends first, or the storage's error when writing
// failed.
func (f *File) WaitReady(ctx context.Context, rule StartRule) error {
	sub := f.t.t.SubscribePieceStateChanges()
	defer sub.Close()
	// Progress is also polled: the rate and the layout change without a
	// piece changing.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := f.t.writeErr(); err != nil {
			return err
		}
		if f.Progress(rule).Ready() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sub.Values:
		case <-tick.C:
		}
	}
}

// A seek holds its first bytes back until a margin of playback after them
// is in (plan.SeekMargin), for at most holdMax. A player given the frame it
// seeks to at once shows it and plays on with nothing behind it: mpv then
// pauses for its cache within a tenth of a second and waits for a second
// of it. Measured with headless mpv, qBittorrent, aria2 and Transmission at
// 8 Mbit/s (a 4.2 Mbit/s MP4), four seeks each: not held, the first frame
// came 0.55-0.78 s after the seek and every seek paused (0.9-1 s); held for
// 0.3 s of playback, 0.80-1.05 s and no pause; for 0.6 s, 1.3-1.8 s; for
// 1.2 s, 1.8-2.4 s.
const (
	holdMax  = 4 * time.Second
	holdPoll = 25 * time.Millisecond
)

// holds reports whether a read head's first bytes at pos wait for a seek's
// margin (see hold).
func (f *File) holds(pos int64) bool {
	idx, _, _ := f.indexSpan()
	f.mu.Lock()
	rule := f.rule
	f.mu.Unlock()
	inIndex := idx.Begin <= f.g.Piece(pos) && f.g.Piece(pos) < idx.End
	inStart := pos < rule.Want || (pos >= rule.From && pos-rule.From < rule.Want)
	return f.isVideo() && !inStart && pos < f.g.Size && !inIndex
}

// holdBytes is how much a seek waits for at a download rate of rate and a
// bitrate of bitrate, bytes per second (plan.SeekMargin).
func holdBytes(rate, bitrate float64) int64 {
	return int64(plan.SeekMargin(rate, bitrate).Seconds() * bitrate)
}

// hold waits, before a read head's first bytes at pos, until the seek's
// margin is in. Reads of the index, of a file not played (subtitles), and
// of the start buffer are not held: the start rule judged those bytes
// already, and mpv, having read the moov at the end of an MP4, comes back
// for the first frames with a new request that is not a seek.
func (f *File) hold(ctx context.Context, pos int64) {
	if !f.holds(pos) {
		return
	}
	tick := time.NewTicker(holdPoll)
	defer tick.Stop()
	expire := time.NewTimer(holdMax)
	defer expire.Stop()
	for {
		now := time.Now()
		bitrate, _ := f.bitrate(now, nil)
		rate, _ := f.t.rate.Sample(now, f.t.stats().BytesRead)
		need := holdBytes(rate, bitrate)
		if ahead := f.bufferedFrom(pos, need, true); ahead >= need || pos+ahead >= f.g.Size {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			return
		case <-tick.C:
		}
	}
}
