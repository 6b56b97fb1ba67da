package resume

import (
	"errors"
	"strconv"
	"strings"
)

// ErrKey is wrapped by every error for a key that is not "INFOHASH/FILEINDEX".
var ErrKey = errors.New("invalid key: want INFOHASH/FILEINDEX")

// maxIndex bounds a file index: no torrent has a billion files, and the bound keeps a key short.
const maxIndex = 1<<31 - 1

// Key is the key of file index file in the torrent with the given hex infohash (40 hex digits
// for BitTorrent v1, 64 for v2): "INFOHASH/FILEINDEX", in lower case.
func Key(infoHash string, file int) string {
	return strings.ToLower(infoHash) + "/" + strconv.Itoa(file)
}

// canonKey checks that key is a 40- or 64-digit hex infohash, "/" and a decimal file index
// without leading zeros, and returns it with the infohash in lower case, so that a magnet's
// upper-case hash and a .torrent's computed one name the same film.
func canonKey(key string) (string, bool) {
	hash, index, ok := strings.Cut(key, "/")
	if !ok || (len(hash) != 40 && len(hash) != 64) {
		return "", false
	}
	for i := 0; i < len(hash); i++ {
		c := hash[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	if index == "" || len(index) > 10 || (index[0] == '0' && len(index) > 1) {
		return "", false
	}
	for i := 0; i < len(index); i++ {
		if index[i] < '0' || index[i] > '9' {
			return "", false
		}
	}
	if n, err := strconv.ParseInt(index, 10, 64); err != nil || n > maxIndex {
		return "", false
	}
	return strings.ToLower(hash) + "/" + index, true
}
