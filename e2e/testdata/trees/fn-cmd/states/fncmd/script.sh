#!/bin/bash
echo "script ran with $# args: $*"
