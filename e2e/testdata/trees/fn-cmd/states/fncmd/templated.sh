#!/bin/sh
echo "templated for {{ grains['id'] }} {{ word }}"
