// Btstream plays the main video of a torrent in mpv or VLC while it downloads.
package main

func main() {}
