package plan

// Geometry places a file in its torrent's pieces.
type Geometry struct {
	Off      int64 // the file's offset in the torrent
	Size     int64 // the file's length
	PieceLen int64 // the torrent's piece length
}

// Piece returns the index of the piece holding file byte pos.
func (g Geometry) Piece(pos int64) int { return int((g.Off + pos) / g.PieceLen) }

// Start returns the file position of piece i's first byte (negative when
// the piece begins in an earlier file).
func (g Geometry) Start(i int) int64 { return int64(i)*g.PieceLen - g.Off }

// End returns one past the last piece of the file.
func (g Geometry) End() int {
	if g.Size <= 0 {
		return g.Piece(0)
	}
	return g.Piece(g.Size-1) + 1
}

// Span is a half-open range of piece indices [Begin, End).
type Span struct{ Begin, End int }

// PieceSpan returns the pieces holding the torrent bytes [off, off+n).
// An empty extent gives an empty span.
func PieceSpan(off, n, pieceLen int64) Span {
	if n <= 0 || pieceLen <= 0 {
		return Span{}
	}
	return Span{int(off / pieceLen), int((off + n + pieceLen - 1) / pieceLen)}
}

// TailSpan returns the pieces holding the last tail bytes of the file that
// starts at fileOff and is fileLen long.
func TailSpan(fileOff, fileLen, pieceLen, tail int64) Span {
	tail = min(tail, fileLen)
	return PieceSpan(fileOff+fileLen-tail, tail, pieceLen)
}
