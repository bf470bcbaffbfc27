package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlsim/mlsim/scenarios"
)

func newListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the scenarios, one line each",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, s := range scenarios.All() {
				fmt.Fprintf(cmd.OutOrStdout(), "%-17s %s\n", s.Name, s.Description)
			}
			return nil
		},
	}
}
