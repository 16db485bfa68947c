"""Writes small valid seed inputs for the fuzz targets into OUT/seeds/<target>/."""
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import sys
import tarfile

out = os.path.join(sys.argv[1], "seeds")


def put(target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as file:
        file.write(data)


images = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 3, 3) + bytes(range(18))
labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 2) + bytes([1, 7])
put("idx", "images", images)
put("idx", "labels", labels)
put("gzip", "images.gz", gzip.compress(images))
put("gzip", "two-members.gz", gzip.compress(labels) + gzip.compress(images))
cifar = bytes([3]) + bytes(i % 256 for i in range(3072)) + bytes([9]) + bytes(3072)
put("cifar", "two-records.bin", cifar)
put("cifar", "two-records.bin.gz", gzip.compress(cifar))
header = json.dumps({"__metadata__": {"format": "pt"},
                     "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                     "b": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]}}).encode()
put("safetensors", "small.safetensors", struct.pack("<Q", len(header)) + header + bytes(24))


def proto_field(number, value):
    """One protobuf field: int -> varint, bytes -> length-delimited, float -> fixed32."""
    def varint(v):
        v &= (1 << 64) - 1
        out = bytearray()
        while v >= 0x80:
            out.append(v & 0x7F | 0x80)
            v >>= 7
        return bytes(out + bytes([v]))
    if isinstance(value, bytes):
        return varint(number << 3 | 2) + varint(len(value)) + value
    if isinstance(value, float):
        return varint(number << 3 | 5) + struct.pack("<f", value)
    return varint(number << 3) + varint(value)


# A tiny ONNX model (one LeakyRelu node) as modlr's exporter lays it out.
dim = proto_field(1, proto_field(2, b"batch")) + proto_field(1, proto_field(1, 4))
def value_info(name):
    return proto_field(1, name) + proto_field(2, proto_field(1, proto_field(1, 1) + proto_field(2, dim)))



node = (proto_field(1, b"input") + proto_field(2, b"output") + proto_field(3, b"act") + proto_field(4, b"LeakyRelu")
        + proto_field(5, proto_field(1, b"alpha") + proto_field(2, 0.2) + proto_field(20, 1)))
graph = (proto_field(1, node) + proto_field(2, b"modlr") + proto_field(11, value_info(b"input"))
         + proto_field(12, value_info(b"output")))
put("protobuf", "leaky.onnx", proto_field(1, 8) + proto_field(2, b"modlr") + proto_field(7, graph)
    + proto_field(8, proto_field(1, b"") + proto_field(2, 17)) + proto_field(3, -1))
archive = b"PK\x03\x04" + bytes(range(60))  # stands for a .pt (a zip); the gate reads no further
put("checkpoint", "matching.bin", hashlib.sha256(archive).hexdigest().encode() + b"\n" + archive)
put("checkpoint", "mismatching.bin", b"0" * 64 + b"\n" + archive)
for name in sorted(os.listdir("configs")):
    os.makedirs(os.path.join(out, "config"), exist_ok=True)
    shutil.copy(os.path.join("configs", name), os.path.join(out, "config", name))
put("config", "override", b"seed: 1\nrunner: {epochs: 2}\n\0runner.epochs=[1, {a: 2}]")
# An 8 x 6 RGB JPEG and a 3 x 2 RGBA PNG, as Pillow 13 writes them.
put("image", "rgb.jpg", bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffdb0043010909090c0b0c180d0d1832211c213232323232323232323232323232323232323232323232323232323232323232323232323232323232323232323232323232ffc00011080006000803012200021101031101ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f0100030101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f008e8a28af903f373fffd9"))
put("image", "rgba.png", bytes.fromhex("89504e470d0a1a0a0000000d49484452000000030000000208060000009d74661a0000001349444154789c63e412916b608002260624000010da00c097486f830000000049454e44ae426082"))
put("timeseries", "days.csv", b'"Date","Temp"\n"1984-12-30",14.1\n"1985-01-01",13.6\n"1985-01-02",2e1\n')
put("timeseries", "months.csv", b"Month,a,b\n1749-01,58.0,1\n1749-02,62.6,2\n1749-04,70,3\n")
put("timeseries", "seconds.csv", b"t,v\n2001-01-01 10:00,1\n2001-01-01T10:00:30,2\n2001-01-01 10:01:00,3\n")
put("timeseries", "numbers.csv", b"t,v\n0.5,1\n1.0,2\n2.5,3\n2.0,4\n")
put("csv", "table.csv", b"x,price,size,kind\n1,100,10,b\n1000,200,,\"a, b\"\n-2.5e3,+.5,7.,\"say \"\"hi\"\"\"\n")
put("csv", "crlf.csv", b"\xef\xbb\xbfa,b\r\n\r\n1,\"two\r\nlines\"\r\n,\r\n")
put("csv", "housing-head.csv",
    b"longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,"
    b"median_income,median_house_value,ocean_proximity\n"
    b"-122.23,37.88,41.0,880.0,129.0,322.0,126.0,8.3252,452600.0,NEAR BAY\n"
    b"-122.16,37.77,47.0,1256.0,,570.0,218.0,4.375,161900.0,NEAR BAY\n")


def tar_bytes(files, form):
    """An uncompressed tar archive holding `files` ({name: bytes}) in tarfile's `form`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=form) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


reviews = {"aclImdb/%s/%s/%d_%d.txt" % (split, label, i, 8 if label == "pos" else 2):
           b"A <br /><br />Don't GREAT film, caf\xc3\xa9! 10/10" for split in ("train", "test")
           for label in ("pos", "neg") for i in (0, 1)}
put("imdb", "gnu.tar", tar_bytes(reviews, tarfile.GNU_FORMAT))
put("imdb", "pax.tar", tar_bytes(dict(reviews, **{"aclImdb/" + "d" * 120 + "/notes.txt": b"long"}),
                                 tarfile.PAX_FORMAT))
put("imdb", "ustar.tar", tar_bytes({"aclImdb/train/pos/3_9.txt": b"x"}, tarfile.USTAR_FORMAT))
put("mlflow", "experiment", b'{"experiment": {"experiment_id": "7", "name": "x"}}')
put("mlflow", "run", b'{"run": {"info": {"run_id": "abc", "status": "RUNNING"}}}')
put("mlflow", "error", b'{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such experiment"}')
put("parallel_text", "de", "Zwei junge weiße Männer sind im Freien.\r\nÄRGER über Größe!\n".encode())
put("parallel_text", "bad", b"ok\n\n \t\nab\xc3\x28\n")
put("imdb", "text", b"It's <br />NOT bad: \xe2\x80\x94 rock''n roll (90's)")

summary = json.dumps({"experiment": "small", "run_id": "20260101-000000-seed1", "seed": 1,
                      "status": "finished", "train": {"epochs": 2, "seconds": 1.5, "accuracy": 0.9},
                      "test": {"seconds": 0.1, "accuracy": 0.91, "auc_roc": None,
                               "undefined": {"auc_roc": "one class"}},
                      "environment": {"modlr_version": "0.1", "threads": 1}}).encode()
run_config = b"experiment: small\nmodel: {name: lenet5}\ndataset: {name: idx, path: /data/fashion}\n"
run_metrics = b"epoch,split,metric,value\n1,train,accuracy,0.5\n2,train,accuracy,0.75\n2,validation,loss,nan\n"
put("run_record", "finished", summary + b"\0" + run_config + b"\0" + run_metrics)
put("run_record", "summary-only", summary)
space = open("bench/tune_space.yaml", "rb").read()
settings = json.dumps({"config": "/c.yaml", "overrides": ["runner.epochs=2"], "space": space.decode(),
                       "objective": {"metric": "validation.accuracy", "maximize": True},
                       "sampler": {"name": "tpe", "seed": 3, "startup_trials": 10, "candidates": 24},
                       "pruner": {"name": "asha", "startup_trials": 5, "warmup_steps": 0, "min_resource": 1,
                                  "reduction_factor": 3},
                       "trials": 32, "parallel": 2, "seeds": [1, 2], "validations_per_epoch": 4}).encode()
put("study", "space-and-settings", space + b"\0" + settings)
put("study", "storage", space + b"\0" + settings + b"\0" +
    b'{"postgres_url": "postgresql://modlr:secret@db-host:5432/studies", "study": "study-20261202-010000"}')
put("study", "grid", b"a: {type: uniform, low: 0, high: 1, points: 3}\nb: {type: int, low: 1, high: 4}\n")
