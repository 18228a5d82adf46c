#!/bin/sh
# The scheduled commands in a container (compose.yaml's scheduler service), what the systemd
# timers do on a machine: `requests tick` every 10 minutes, `profiles remind` once a day (UTC).
# A failed run is logged and the loop goes on; both commands are idempotent.
set -u
reminded_on=""
while true; do
    flask --app careerlink careerlink requests tick
    today=$(date -u +%F)
    if [ "$today" != "$reminded_on" ]; then
        flask --app careerlink careerlink profiles remind && reminded_on=$today
    fi
    sleep 600
done
