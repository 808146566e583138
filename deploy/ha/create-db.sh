#!/bin/sh
# Patroni's post_bootstrap: runs once on the first primary with its connection string.
exec psql "$1" -c "CREATE DATABASE hongxun"
