package torrentutil

func (t *Torrent) checkInfo() error { return nil } // TEMP until validate.go lands
