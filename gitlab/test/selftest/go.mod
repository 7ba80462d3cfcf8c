module example.com/go-proxy-guard-selftest

go 1.19
