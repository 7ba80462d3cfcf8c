// A Go module for the component project's own pipeline to guard (.gitlab-ci.yml, job go-proxy-guard-selftest).
package main

func main() {}
