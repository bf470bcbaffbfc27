package main

import (
	"os"

	"github.com/mlsim/mlsim/topicd"
)

func main() { os.Exit(topicd.Main(os.Args[1:], os.Stderr)) }
