// Command lookout is the one binary of the Lookout appliance: it inspects and
// converts model files, runs Gemma 3 and SigLIP 2 on the CPU, and serves what
// the camera sees over GPIO pins and a local HTTP API. The command itself is
// thin: it parses flags and calls the packages that do the work.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"inspect":  {"print a model file's metadata and tensor table (GGUF, safetensors file or folder)", runInspect},
	"convert":  {"convert a Hugging Face SigLIP folder to one GGUF file", runConvert},
	"quantize": {"re-quantize or repack the weight matrices of a GGUF (q4_0_4x4 for ARM boards)", runQuantize},

	"tokenize":   {"print the token ids of a text as a JSON array", runTokenize},
	"logits":     {"print the top logits at every prompt position as JSON lines", runLogits},
	"generate":   {"generate text from a prompt with Gemma 3", runGenerate},
	"chat":       {"chat with Gemma 3 on stdin, one user line per turn", runChat},
	"gen-random": {"write a Gemma 3 GGUF with real shapes and random weights", runGenRandom},
	"bench":      {"measure load time, prefill and decode speed, RSS and the decode roofline", runBench},

	"classify": {"zero-shot classify images against text labels with SigLIP", runClassify},
	"embed":    {"print the SigLIP embedding of an image, a text or token ids", runEmbed},
}

// errUsage marks errors caused by the command line; main exits 2 for them.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lookout: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "lookout %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: lookout COMMAND [flags] [args]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nrun 'lookout COMMAND -h' for a command's flags")
}

// parseFlags parses args with flags and positional arguments in any order
// (`lookout inspect model.gguf --json` as well as `--json model.gguf`), which
// the flag package alone stops at the first positional argument.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stderr)
				fs.Usage()
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNoArgs is parseFlags for commands that take flags only.
func parseNoArgs(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, pos)
	}
	return nil
}
