#!/usr/bin/env node
console.log('vaecf');
