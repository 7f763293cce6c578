package statuscheck

// The actions of a [Change] that are not GitLab webhook actions. Deliveries
// log them as their event; the payload carries no "action" for them, as
// GitLab's merge request payload has no action for either.
const (
	// ActionRetry re-asks a check whose response failed.
	ActionRetry = "retry"
	// ActionComment asks the checks again after a user's comment.
	ActionComment = "comment"
)

// The approval actions, which GitLab's approval hooks send as they are.
const (
	ActionApproved   = "approved"
	ActionUnapproved = "unapproved"
)
