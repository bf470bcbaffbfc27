package topicd

import "net/url"

// redact hides a postgres URL's password before it is logged.
func redact(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.User == nil {
		return db
	}
	if _, has := u.User.Password(); !has {
		return db
	}
	return u.Redacted()
}
