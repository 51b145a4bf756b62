import machine
import a.b as c
import os.path
from time import sleep, ticks_ms as ms
from . import sibling
from ..pkg import *
