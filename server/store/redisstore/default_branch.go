package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

// SettleDefaultBranch claims the project's first-push default branch with
// one SET NX, so that of two first pushes racing exactly one wins, and the
// loser reads the winner's choice instead of overwriting it. The claim is a
// key of its own rather than a field of the project record, because the
// record is replaced whole by Update, and an Update written from a read
// taken before the push must not undo the push's choice.
func (ps projects) SettleDefaultBranch(ctx context.Context, pid int64, branch string) (string, error) {
	key := ps.s.keys.settledDefaultBranch(pid)
	won, err := ps.s.rdb.SetNX(ctx, key, branch, 0).Result()
	if err != nil {
		return "", err
	}
	if won {
		return branch, nil
	}
	return ps.s.rdb.Get(ctx, key).Result()
}

// withSettledDefaultBranch applies a settled first-push default branch to a
// record that still says empty_repo. Only empty projects pay the extra read.
func (ps projects) withSettledDefaultBranch(ctx context.Context, p *storagev1.Project) (*storagev1.Project, error) {
	if !p.GetEmptyRepo() {
		return p, nil
	}
	branch, err := ps.s.getBytes(ctx, ps.s.keys.settledDefaultBranch(p.GetId()))
	if errors.Is(err, redis.Nil) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.EmptyRepo = false
	p.DefaultBranch = string(branch)
	return p, nil
}
