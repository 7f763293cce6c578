package user

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// bootstrapTokenName names the root token that Bootstrap manages.
const bootstrapTokenName = "bootstrap"

// bootstrapScopes are the root token's scopes: the whole API and git.
var bootstrapScopes = []string{"api", "read_repository", "write_repository"}

// Bootstrap makes sure the root administrator exists and can sign in.
//
// With rootToken set, that token becomes root's bootstrap token and any
// earlier bootstrap token is revoked, so changing the flag rotates it. With
// rootToken empty, a token is generated only when root has no working
// bootstrap token yet; it is returned so the caller can print it once. It
// cannot be shown again, because only its hash is kept.
func (s *Service) Bootstrap(ctx context.Context, rootToken string) (generated string, err error) {
	root, err := s.users.GetByUsername(ctx, RootUsername)
	if errors.Is(err, store.ErrNotFound) {
		root, err = s.users.Create(ctx, &storagev1.User{
			Username:   RootUsername,
			Name:       "Administrator",
			Email:      "admin@example.com",
			Admin:      true,
			CreateTime: timestamppb.New(s.clock.Now()),
		})
	}
	if err != nil {
		return "", err
	}
	tokens, err := s.users.Tokens(ctx, root.GetId())
	if err != nil {
		return "", err
	}
	var live []store.HashedToken
	for _, t := range tokens {
		if t.Token.GetName() == bootstrapTokenName && !t.Token.GetRevoked() {
			live = append(live, t)
		}
	}
	if rootToken == "" {
		if len(live) > 0 {
			return "", nil
		}
		generated = auth.NewToken()
		rootToken = generated
	}
	want := auth.HashToken(rootToken)
	found := false
	revoked := 0
	for _, t := range live {
		if t.Hash == want {
			found = true
			continue
		}
		if err := s.users.RevokeToken(ctx, t.Hash); err != nil {
			return "", err
		}
		revoked++
	}
	if revoked > 0 {
		// Said where an operator looks: restarting with --root-token is
		// also how a lost root token is recovered, and it must not pass
		// silently for anyone who still uses the old one.
		s.logger.WarnContext(ctx, "--root-token replaced the root token; the previous one no longer works", "revoked", revoked)
	}
	if found {
		return generated, nil
	}
	_, err = s.users.CreateToken(ctx, &storagev1.Token{
		UserId:     root.GetId(),
		Name:       bootstrapTokenName,
		Scopes:     bootstrapScopes,
		CreateTime: timestamppb.New(s.clock.Now()),
	}, want)
	return generated, err
}
