"""goalgate: conversion goals for web analytics."""

__version__ = "0.1.0"
