// Command tlogcheck checks an armsctl log with Go's golang.org/x/mod/sumdb/note and sumdb/tlog.
//
// Given the log's tile prefix (an armsctl server's /tlog/) and the log's verifier key, it
// verifies the served checkpoint's signature, then computes from the served tiles alone, through
// a tlog.TileReader that maps sumdb tile paths to C2SP ones, the root, an inclusion proof and a
// consistency proof; it checks the entry from its bundle against the level-0 tile, and checks
// with tlog.CheckRecord the inclusion proof of a proof bundle file. It prints JSON.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// c2spPath maps a sumdb tile path ("tile/8/0/x001/234.p/5", "tile/8/data/...") to the C2SP
// one ("tile/0/x001/234.p/5", "tile/entries/..."): C2SP has no height element (it is always
// 8) and names the record tiles "entries", not "data".
func c2spPath(t tlog.Tile) (string, error) {
	if t.H != 8 {
		return "", fmt.Errorf("tile height %d: C2SP tiles are of height 8", t.H)
	}
	parts := strings.SplitN(t.Path(), "/", 4) // tile, H, L, N[.p/W]
	if len(parts) != 4 {
		return "", fmt.Errorf("unexpected tile path %q", t.Path())
	}
	level := parts[2]
	if level == "data" {
		level = "entries"
	}
	return "tile/" + level + "/" + parts[3], nil
}

type reader struct {
	prefix  string
	fetches int
}

func (r *reader) get(path string) ([]byte, error) {
	resp, err := http.Get(r.prefix + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	r.fetches++
	return body, nil
}

func (r *reader) Height() int { return 8 }

func (r *reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path, err := c2spPath(t)
		if err != nil {
			return nil, err
		}
		if out[i], err = r.get(path); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *reader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// checkpoint verifies a signed checkpoint note and returns its origin and tree.
func checkpoint(msg []byte, verifiers note.Verifiers) (string, tlog.Tree, error) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return "", tlog.Tree{}, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return "", tlog.Tree{}, errors.New("checkpoint text too short")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return "", tlog.Tree{}, err
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return "", tlog.Tree{}, errors.New("checkpoint root is not a base64 hash")
	}
	var root tlog.Hash
	copy(root[:], raw)
	return lines[0], tlog.Tree{N: size, Hash: root}, nil
}

func hashes(list []tlog.Hash) []string {
	out := make([]string, len(list))
	for i, h := range list {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

type bundle struct {
	Type       string   `json:"type"`
	Entry      string   `json:"entry"`
	Index      int64    `json:"index"`
	Size       int64    `json:"size"`
	Inclusion  []string `json:"inclusion"`
	Checkpoint string   `json:"checkpoint"`
}

func checkBundle(path string, verifiers note.Verifiers) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var b bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return err
	}
	_, tree, err := checkpoint([]byte(b.Checkpoint), verifiers)
	if err != nil {
		return fmt.Errorf("bundle checkpoint: %w", err)
	}
	if tree.N != b.Size {
		return fmt.Errorf("bundle size %d is not the checkpoint's %d", b.Size, tree.N)
	}
	entry, err := base64.StdEncoding.DecodeString(b.Entry)
	if err != nil {
		return err
	}
	var proof tlog.RecordProof
	for _, s := range b.Inclusion {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != tlog.HashSize {
			return errors.New("bundle inclusion hash is malformed")
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	return tlog.CheckRecord(proof, tree.N, tree.Hash, b.Index, tlog.RecordHash(entry))
}

func main() {
	prefix := flag.String("url", "", "the log's tile prefix, ending in /")
	vkey := flag.String("vkey", "", "the log's signed-note verifier key")
	index := flag.Int64("index", 0, "the entry to prove")
	old := flag.Int64("old", 0, "the old size for a consistency proof")
	bundlePath := flag.String("bundle", "", "a proof bundle file to check with tlog.CheckRecord")
	flag.Parse()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail(err)
	}
	verifiers := note.VerifierList(verifier)
	result := map[string]interface{}{}
	if *bundlePath != "" {
		err := checkBundle(*bundlePath, verifiers)
		result["bundle_ok"] = err == nil
		if err != nil {
			result["bundle_error"] = err.Error()
		}
	}
	if *prefix != "" {
		r := &reader{prefix: *prefix}
		msg, err := r.get("checkpoint")
		if err != nil {
			fail(err)
		}
		origin, tree, err := checkpoint(msg, verifiers)
		if err != nil {
			fail(fmt.Errorf("checkpoint: %w", err))
		}
		// TileHashReader checks every tile it reads against the signed tree hash.
		hr := tlog.TileHashReader(tree, r)
		root, err := tlog.TreeHash(tree.N, hr)
		if err != nil {
			fail(err)
		}
		inclusion, err := tlog.ProveRecord(tree.N, *index, hr)
		if err != nil {
			fail(err)
		}
		consistency, err := tlog.ProveTree(tree.N, *old, hr)
		if err != nil {
			fail(err)
		}
		oldRoot, err := tlog.TreeHash(*old, hr)
		if err != nil {
			fail(err)
		}
		if err := tlog.CheckTree(consistency, tree.N, tree.Hash, *old, oldRoot); err != nil {
			fail(fmt.Errorf("consistency: %w", err))
		}
		// The entry, from its bundle, hashes to the leaf the level-0 tile holds.
		bundleTile := tlog.Tile{H: 8, L: -1, N: *index / 256, W: 256}
		if rest := tree.N - bundleTile.N*256; rest < 256 {
			bundleTile.W = int(rest)
		}
		raw, err := r.ReadTiles([]tlog.Tile{bundleTile})
		if err != nil {
			fail(err)
		}
		data := raw[0]
		var entry []byte
		for i := int64(0); i <= *index%256; i++ {
			if len(data) < 2 {
				fail(errors.New("entry bundle is cut short"))
			}
			n := int(data[0])<<8 | int(data[1])
			if len(data) < 2+n {
				fail(errors.New("entry bundle is cut short"))
			}
			entry, data = data[2:2+n], data[2+n:]
		}
		leaf, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, *index)})
		if err != nil {
			fail(err)
		}
		if tlog.RecordHash(entry) != leaf[0] {
			fail(errors.New("the entry from its bundle does not hash to its leaf"))
		}
		if err := tlog.CheckRecord(inclusion, tree.N, tree.Hash, *index, leaf[0]); err != nil {
			fail(fmt.Errorf("inclusion: %w", err))
		}
		sum := sha256.Sum256(entry)
		result["origin"] = origin
		result["size"] = tree.N
		result["root"] = base64.StdEncoding.EncodeToString(root[:])
		result["inclusion"] = hashes(inclusion)
		result["consistency"] = hashes(consistency)
		result["entry_sha256"] = fmt.Sprintf("%x", sum)
		result["fetches"] = r.fetches
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}
