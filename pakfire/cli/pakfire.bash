# bash completion for pakfire(8), installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/pakfire (bash-completion loads
# it on the first <Tab> after "pakfire"; `. pakfire.bash` works as well).
#
# It mirrors the option tables of cli/main.c (global options) and of each
# cli/cmd-*.c: tests/e2e/docs.sh compares it with `pakfire --help` and
# `pakfire COMMAND --help`, so an option added there without being added
# here fails the test. Plain `complete -F`: it needs nothing of the
# bash-completion package.
#
# Add-on names (install, remove, info) come from `pakfire list`, which only
# reads (no lock, no download) and answers from the database in
# milliseconds; it runs under a 2 s timeout with the --root and --config
# of the command line, and completes nothing when it fails (no database,
# no permission).

_pakfire_globals="--root --config --yes -y --json --quiet -q --verbose -v --help -h --version"
_pakfire_commands="init update upgrade install remove list info status clean history hook verify diagnose"

# The options of COMMAND (those of its table in cli/cmd-COMMAND.c).
_pakfire_command_options() {
	case $1 in
	init) echo "--series --core" ;;
	update) echo "--from-dir" ;;
	upgrade) echo "--dry-run --to --download-only --from-dir" ;;
	install) echo "--dry-run" ;;
	remove) echo "--dry-run --with-dependents" ;;
	list) echo "--installed --available --upgradable" ;;
	hook) echo "--all" ;;
	verify) echo "--fix --fix-config --dry-run --from-dir" ;;
	diagnose) echo "--bundle" ;;
	esac
}

# _pakfire_addons PROGRAM ROOT CONFIG [FILTER]: the add-on names that
# `pakfire list` prints, the first column of its table.
_pakfire_addons() {
	local args=()
	[ -n "$2" ] && args+=(--root "$2")
	[ -n "$3" ] && args+=(--config "$3")
	[ -n "${4:-}" ] && args+=("$4")
	timeout 2 "$1" "${args[@]}" list </dev/null 2>/dev/null | awk '
		/^NAME  / { v = index($0, "VERSION"); next }
		v && substr($0, v - 2, 2) == "  " && $1 ~ /^[A-Za-z0-9._+-]+$/ { print $1 }'
}

_pakfire() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=""
	local cmd="" sub="" root="" config="" i w
	COMPREPLY=()
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# What the words before the cursor say: the command, hook's
	# subcommand, --root and --config (for the add-on names).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--root) root=${COMP_WORDS[i + 1]}; i=$((i + 1)) ;;
		--config) config=${COMP_WORDS[i + 1]}; i=$((i + 1)) ;;
		--series | --core | --to | --from-dir | --bundle) i=$((i + 1)) ;;
		-*) ;;
		*)
			if [ -z "$cmd" ]; then
				cmd=$w
			elif [ "$cmd" = hook ] && [ -z "$sub" ]; then
				sub=$w
			fi
			;;
		esac
	done

	case $prev in
	--root | --from-dir)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	--config | --bundle)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--series | --core | --to)
		return 0 # a value only the admin knows
		;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_pakfire_command_options "$cmd") $_pakfire_globals" -- "$cur")
		return 0
	fi
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "$_pakfire_commands" -- "$cur")
		;;
	hook)
		[ -z "$sub" ] && mapfile -t COMPREPLY < <(compgen -W "list show rerun ack" -- "$cur")
		;;
	install)
		mapfile -t COMPREPLY < <(compgen -W "$(_pakfire_addons "${COMP_WORDS[0]}" "$root" "$config" --available)" -- "$cur")
		;;
	remove)
		mapfile -t COMPREPLY < <(compgen -W "$(_pakfire_addons "${COMP_WORDS[0]}" "$root" "$config" --installed)" -- "$cur")
		;;
	info)
		mapfile -t COMPREPLY < <(compgen -W "$(_pakfire_addons "${COMP_WORDS[0]}" "$root" "$config")" -- "$cur")
		;;
	esac
	return 0
}

complete -F _pakfire pakfire
