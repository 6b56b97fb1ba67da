module github.com/btstream/btstream

go 1.26
