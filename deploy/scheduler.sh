#!/bin/sh
# The scheduled commands in a container (compose.yaml's scheduler service), what the systemd
# timers do on a machine: `requests tick` every 10 minutes, `profiles remind` and the retention
# purges once a day and `openings digest` once a week (UTC). A failed run is logged and the
# loop goes on; every command is idempotent.
set -u
reminded_on=""
purged_on=""
digest_week=""
while true; do
    flask --app careerlink careerlink requests tick
    today=$(date -u +%F)
    if [ "$today" != "$reminded_on" ]; then
        flask --app careerlink careerlink profiles remind && reminded_on=$today
    fi
    if [ "$today" != "$purged_on" ]; then
        flask --app careerlink careerlink privacy purge-messages &&
            flask --app careerlink careerlink privacy purge-sessions &&
            flask --app careerlink careerlink audit purge && purged_on=$today
    fi
    week=$(date -u +%G-W%V)
    if [ "$week" != "$digest_week" ]; then
        flask --app careerlink careerlink openings digest && digest_week=$week
    fi
    sleep 600
done
