// Package torrentutil is btstream's one door to github.com/anacrolix/torrent:
// a Client that adds a parsed source and fetches its metadata, and the Files
// of a Torrent opened for streaming. A file's readers are read heads; one
// scheduler per torrent (Torrent.Schedule) applies the priorities package
// plan decides for all of them, frees pieces held by one peer, and dials
// dropped peers again; Progress and WaitReady tell when the start rule
// holds. A Seeder serves a local file, for the demo.
//
// Each sub-package does one job: source parses and validates what the user
// names, filestore stores the pieces, media knows file kinds and container
// durations, pick chooses the files, plan is the streaming policy, and
// torrenttest is for tests. Only this tree imports the torrent library. It
// prints nothing and hints nothing: it returns data and errors that say what
// went wrong, and main turns them into messages.
package torrentutil
