//go:build !race

package main

// raceBuild reports that the tests run under the race detector, which
// makes the in-process torrent library some ten times slower.
const raceBuild = false
