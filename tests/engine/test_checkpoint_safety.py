"""Atomic checkpoint files, resume-point lookup and safe loading."""
import os
import os.path as osp
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.logging import HistoryBuffer, MessageHub

from mcg.engine import (ATOMIC_BACKEND, UnloadedObject, atomic_write,
                        find_resume_checkpoint, load_checkpoint_file,
                        load_weights_only, trust_file)
from mcg.engine.resume_state import (capture_rng_state, message_hub_from_plain,
                                     message_hub_to_plain, restore_rng_state)

def _side_effect(path):
    """Would run if a checkpoint's pickle were executed."""
    with open(path, 'w') as f:
        f.write('executed')
    return 0


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (_side_effect, (self.path, ))


def _stock_mmengine_checkpoint():
    """What mmengine 0.10.7 saves: HistoryBuffer and numpy in message_hub."""
    hub = MessageHub('stock')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', 0.25)
    hub.update_info('eta', np.float64(12.5))
    return dict(meta=dict(epoch=1, iter=4),
                state_dict=OrderedDict(w=torch.arange(6.).view(2, 3)),
                message_hub=hub.state_dict())


def test_atomic_write_replaces_whole_file_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / 'ckpt.pth'
    atomic_write(b'old contents', path)
    assert path.read_bytes() == b'old contents'

    def crash(*args):
        raise KeyboardInterrupt('killed during the write')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(b'new contents that never complete', path)
    assert path.read_bytes() == b'old contents'
    assert os.listdir(tmp_path) == ['ckpt.pth']  # no temporary left over


def test_checkpoint_backend_is_atomic_and_keeps_permissions(tmp_path):
    backend = get_file_backend(str(tmp_path),
                               backend_args=dict(backend=ATOMIC_BACKEND))
    target = tmp_path / 'sub' / 'epoch_1.pth'
    backend.put(b'x' * 1000, str(target))
    backend.put_text('text', str(tmp_path / 'a.txt'))
    assert target.read_bytes() == b'x' * 1000
    assert (tmp_path / 'a.txt').read_text() == 'text'
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_resume_point_survives_a_broken_pointer(tmp_path):
    work = str(tmp_path)
    assert find_resume_checkpoint(work) is None
    for name in ('iter_1.pth', 'iter_2.pth'):
        atomic_write(b'ckpt', osp.join(work, name))
    os.utime(osp.join(work, 'iter_1.pth'), (1, 1))
    # An interrupted write leaves only a hidden temporary file.
    (tmp_path / '.tmp-iter_3.pth.123.abc').write_bytes(b'partial')
    pointer = tmp_path / 'last_checkpoint'
    pointer.write_text(osp.join(work, 'iter_1.pth'))
    assert find_resume_checkpoint(work) == osp.join(work, 'iter_1.pth')
    for broken in ('', osp.join(work, 'iter_3.pth')):
        pointer.write_text(broken)  # truncated, or names a file never made
        assert find_resume_checkpoint(work) == osp.join(work, 'iter_2.pth')


def test_untrusted_stock_checkpoint_loads_weights_without_unpickling(
        tmp_path):
    path = str(tmp_path / 'stock.pth')
    torch.save(_stock_mmengine_checkpoint(), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)  # the problem being solved
    ckpt = load_checkpoint_file(path)
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(6.).view(2, 3))
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, UnloadedObject)
    assert 'HistoryBuffer' in repr(buffer)


def test_trusted_resume_file_loads_in_full(tmp_path):
    path = str(tmp_path / 'own_run.pth')
    torch.save(_stock_mmengine_checkpoint(), path)
    trust_file(path)
    ckpt = load_checkpoint_file(path)
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer) and buffer.current() == 0.25


def test_pickled_code_is_never_run(tmp_path):
    marker = tmp_path / 'marker'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(1)),
                    message_hub=_Evil(str(marker))), path)
    ckpt = load_weights_only(path)
    assert not marker.exists()
    assert isinstance(ckpt['message_hub'], UnloadedObject)
    # Weights that themselves need arbitrary objects are refused.
    torch.save(dict(state_dict=dict(w=_Evil(str(marker)))), path)
    with pytest.raises(pickle.UnpicklingError, match='state_dict.w'):
        load_weights_only(path)
    assert not marker.exists()


def test_message_hub_round_trips_through_weights_only(tmp_path):
    state = _stock_mmengine_checkpoint()['message_hub']
    path = str(tmp_path / 'hub.pth')
    torch.save(message_hub_to_plain(state), path)
    restored = message_hub_from_plain(torch.load(path, weights_only=True))
    hub = MessageHub('restored')
    hub.load_state_dict(restored)
    assert hub.get_scalar('train/loss').data[0].tolist() == [0.5, 0.25]
    assert hub.get_info('eta') == 12.5


def test_rng_state_round_trips(tmp_path):
    import random
    path = str(tmp_path / 'rng.pth')
    torch.save(capture_rng_state(), path)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    restore_rng_state(torch.load(path, weights_only=True))
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
