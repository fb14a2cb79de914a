# bash completion for pakfire-repo(1), installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/pakfire-repo.
#
# It mirrors the option tables of repo/main.c (global options) and of each
# repo/cmd-*.c: tests/e2e/docs.sh compares it with `pakfire-repo --help`
# and `pakfire-repo COMMAND --help`, so an option added there without being
# added here fails the test. Plain `complete -F`: it needs nothing of the
# bash-completion package.

_pakfire_repo_globals="--help -h --quiet -q --verbose -v"
_pakfire_repo_commands="build publish bump check"

# The options of COMMAND (its table in repo/cmd-COMMAND.c).
_pakfire_repo_command_options() {
	case $1 in
	build) echo "--update --addon --series --filelist --root --previous --out" ;;
	publish) echo "--repo --updates --series --arch --key --gnupghome --revision --date" \
		"--valid-until --valid-days --successor --min-client --min-partition --mirrors" ;;
	bump) echo "--mirror --from --to --arch --updates --key --gnupghome --revision --date" \
		"--valid-until --valid-days" ;;
	check) echo "--keys --key --warn-days" ;;
	esac
}

_pakfire_repo() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev="" cmd="" i w
	COMPREPLY=()
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command: the first word that is neither an option nor the value
	# of one (every option of a command but the global ones takes a value).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-h | --help | -q | --quiet | -v | --verbose) ;;
		-*) i=$((i + 1)) ;;
		*) [ -z "$cmd" ] && cmd=$w ;;
		esac
	done

	case $prev in
	--update | --addon | --root | --previous | --out | --repo | --updates | --gnupghome | \
		--mirror | --keys)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	--filelist | --mirrors)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--key)
		# check: a public key file; publish and bump: a fingerprint
		[ "$cmd" = check ] && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--series | --arch | --from | --to | --revision | --date | --valid-until | --valid-days | \
		--successor | --min-client | --min-partition | --warn-days)
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_pakfire_repo_command_options "$cmd") $_pakfire_repo_globals" -- "$cur")
	elif [ -z "$cmd" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$_pakfire_repo_commands" -- "$cur")
	elif [ "$cmd" = check ]; then
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") # REPO
	fi
	return 0
}

complete -F _pakfire_repo pakfire-repo
