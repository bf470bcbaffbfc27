package runner

import "github.com/mlsim/mlsim/mlsadapter"

// MLSVariants are the adapter variants (`--mls-variant`), each switching
// one go-mls defence off (mlsadapter's list of the reproducible ones).
var MLSVariants = mlsadapter.VariantNames()
