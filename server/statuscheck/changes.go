package statuscheck

// AttributeChange is one attribute of a merge request that an event
// changed, as GitLab's webhook payload shows it under "changes":
// {"title": {"previous": "a", "current": "b"}}. Check services decide from
// it whether to check again. Previous and Current are strings, integers,
// booleans, time.Time (written as the payload writes times) or nil.
type AttributeChange struct {
	Name              string
	Previous, Current any
}
