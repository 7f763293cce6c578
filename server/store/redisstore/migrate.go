package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

// Merge train states as stored (train.State values).
const (
	stateMerging = 4
)

// MigrateLegacyCars moves merge train cars from the per-car records of
// earlier versions (a hash of cars per project) into train records, so that
// an upgrade in the middle of a train loses no car. A train that already
// has a record keeps it. It also drops dirty marks of the old form
// ("<project>:<branch>"). It is safe to run on every start.
func (s *Store) MigrateLegacyCars(ctx context.Context) error {
	ids, err := s.Projects().IDs(ctx)
	if err != nil {
		return err
	}
	for _, pid := range ids {
		if err := s.migrateProject(ctx, pid); err != nil {
			return fmt.Errorf("migrate the cars of project %d: %w", pid, err)
		}
	}
	marks, err := s.rdb.SMembers(ctx, s.keys.trainsDirty()).Result()
	if err != nil {
		return err
	}
	for _, m := range marks {
		if _, err := strconv.ParseInt(m, 10, 64); err != nil {
			if err := s.rdb.SRem(ctx, s.keys.trainsDirty(), m).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) migrateProject(ctx context.Context, pid int64) error {
	old, err := s.rdb.HGetAll(ctx, s.keys.legacyCars(pid)).Result()
	if err != nil || len(old) == 0 {
		return err
	}
	cars, err := decodeAll(old, func() *storagev1.Car { return &storagev1.Car{} }, (*storagev1.Car).GetId)
	if err != nil {
		return err
	}
	byBranch := map[string][]*storagev1.Car{}
	for _, c := range cars {
		if c.GetState() == stateMerging && c.GetMergeSha() == "" {
			// Before landings were recorded, a merging car landed its
			// tested commit on the commit it was built on.
			c.MergeSha, c.MergeFromSha = c.GetTrainSha(), c.GetBaseSha()
		}
		byBranch[c.GetTargetBranch()] = append(byBranch[c.GetTargetBranch()], c)
	}
	for branch, cars := range byBranch {
		t, err := s.Trains().Load(ctx, store.TrainRef{ProjectID: pid, Branch: branch})
		if err != nil {
			return err
		}
		if t.GetVersion() != 0 {
			continue
		}
		slices.SortFunc(cars, func(a, b *storagev1.Car) int { return int(a.GetId() - b.GetId()) })
		t.Version, t.Id, t.Cars, t.Holder = 1, "migrated", cars, "migration"
		if err := s.Trains().Commit(ctx, t); err != nil && err != store.ErrConflict {
			return err
		}
	}
	if err := s.rdb.Del(ctx, s.keys.legacyCars(pid), s.keys.legacyCarsByMR(pid)).Err(); err != nil {
		return err
	}
	return s.Trains().MarkDirty(ctx, pid)
}
