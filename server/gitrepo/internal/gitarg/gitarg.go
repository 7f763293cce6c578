// Package gitarg holds the type of trusted git arguments. It is internal so
// that code outside gitrepo cannot name the type: there, only untyped string
// constants convert to it, which makes "trusted" mean "written in the source".
package gitarg

// Trusted is a git argument written into the source code, such as
// "merge-tree" or "--write-tree". Values that come from users never have
// this type; they go through Command.AddDynamic.
type Trusted string
